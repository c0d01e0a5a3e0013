"""Running OpenTofu on a synthesized stack, passing on the signals that ask it to stop.

OpenTofu stops gracefully on SIGINT or SIGTERM: it finishes the calls in
flight, writes its state and releases the state lock; a second SIGINT makes it
exit at once. So ``tofu`` runs in a process group of its own and this process
passes on every SIGINT and SIGTERM it receives, exactly once, and waits for
``tofu`` to end. In a terminal, ``tofu``'s group is made the foreground one
while it runs: it reads the answer to "Do you want to perform these actions?",
and Ctrl-C reaches it straight from the terminal, once.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import FrameType

from mindmirror_infra.layout import STACK_FILE

INSTALL_HINT = "install OpenTofu (https://opentofu.org/docs/intro/install/) or set TOFU to its path"
FORWARDED_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class TofuNotFound(RuntimeError):
    """Neither ``$TOFU`` nor ``tofu`` on PATH names an executable."""


def tofu_binary() -> str:
    """The binary named by ``TOFU``, else ``tofu`` on PATH."""
    named = os.environ.get("TOFU", "tofu")
    found = shutil.which(named)
    if found is None:
        raise TofuNotFound(f"OpenTofu not found: {named!r} is not an executable; {INSTALL_HINT}")
    return found


def run_in_stack(stack_dir: Path, command: str, args: Sequence[str]) -> int:
    """``tofu init`` then ``tofu <command> <args>`` in ``stack_dir``; the first failing exit code.

    A signal during ``init`` stops there: the command does not start.
    """
    binary = tofu_binary()
    if not (stack_dir / STACK_FILE).is_file():
        raise FileNotFoundError(f"{stack_dir / STACK_FILE} does not exist; run `make synth` first")
    chdir = f"-chdir={stack_dir}"
    with SignalForwarding() as forwarding:
        code = forwarding.run([binary, chdir, "init", "-input=false"])
        if code == 0 and forwarding.received:
            return shell_exit_code(-forwarding.received[0])
        if code != 0:
            return code
        return forwarding.run([binary, chdir, command, *args])


def shell_exit_code(returncode: int) -> int:
    """A child's exit code as a shell gives it: 128 + the signal's number when a signal ended it."""
    return 128 - returncode if returncode < 0 else returncode


class SignalForwarding:
    """While entered, SIGINT and SIGTERM to this process go to the child being run, once each.

    A signal that arrives before the child has started is passed on as it
    starts. The handlers in place before (such as the CLI's, which ends the
    process on SIGTERM) come back on exit.
    """

    def __init__(self) -> None:
        self.received: list[int] = []
        self._child: subprocess.Popen[bytes] | None = None
        self._pending: list[int] = []
        self._previous: dict[int, object] = {}

    def __enter__(self) -> SignalForwarding:
        self._previous = {number: signal.signal(number, self._forward) for number in FORWARDED_SIGNALS}
        return self

    def __exit__(self, *exc: object) -> None:
        for number, handler in self._previous.items():
            signal.signal(number, handler)  # type: ignore[arg-type]

    def _forward(self, number: int, frame: FrameType | None) -> None:
        self.received.append(number)
        if self._child is None:
            self._pending.append(number)
        else:
            self._child.send_signal(number)  # nothing once the child has been waited for

    def run(self, command: Sequence[str]) -> int:
        """Runs ``command`` to its end, in a process group of its own; its exit code as a shell gives it."""
        child = subprocess.Popen(command, process_group=0)
        self._child = child
        try:
            while self._pending:
                child.send_signal(self._pending.pop(0))
            with _in_terminal_foreground(child.pid):
                return shell_exit_code(child.wait())
        finally:
            self._child = None


@contextlib.contextmanager
def _in_terminal_foreground(process_group: int) -> Iterator[None]:
    """Makes ``process_group`` the terminal's foreground group while the block runs, when this process holds it."""
    try:
        terminal = sys.stdin.fileno()
        ours = os.tcgetpgrp(terminal)
    except (OSError, ValueError, AttributeError):  # not a terminal, or no stdin
        yield
        return
    if ours != os.getpgrp():  # a background job: the terminal is not ours to give
        yield
        return
    os.tcsetpgrp(terminal, process_group)
    try:
        yield
    finally:
        # Taking the terminal back from the background sends SIGTTOU, which would stop this process.
        held = signal.signal(signal.SIGTTOU, signal.SIG_IGN)
        try:
            os.tcsetpgrp(terminal, ours)
        finally:
            signal.signal(signal.SIGTTOU, held)
