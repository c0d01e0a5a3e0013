"""The output folders of ``mminfra``: which paths may be one, and replacing one all at once.

Both outputs of the catalog (the synthesized stacks and the bootstrap scripts)
replace their folder whole, so the folder ``--out`` names must be one that
holds nothing else: a new or empty folder, or an earlier output of the same
command, recognised by the manifest that command writes at its top.

A run holds a lock beside the output from its first check to its last step,
so two runs on one output take turns. The new output is written into a staging
folder beside the old one (``.<name>.<random>``) and swapped into place in one
step where the system can (Linux's ``renameat2`` exchange); elsewhere in two
renames, through ``.<name>.previous``. Stopped at any point, even by SIGKILL,
a run leaves the old output or the new one in place (between the two renames
of the fallback, in ``.<name>.previous``); the next run puts back or removes
whatever a stopped run left.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import glob
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from mindmirror_infra.errors import InvalidConfig
from mindmirror_infra.layout import MANIFEST_FILE

# The folder holding this package: replacing it would delete the project itself.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
PREVIOUS = "previous"
LOCK = "lock"
# What `tofu init` leaves in a stack folder: the providers it downloaded and the
# lock file of their versions and checksums. Both belong to the user, not to
# synthesis, and survive every swap.
TOFU_WORKING_FILES = (".terraform", ".terraform.lock.hcl")


@dataclass(frozen=True)
class OutputKind:
    """An output of one command, recognised by the keys of its manifest."""

    command: str
    manifest_keys: frozenset[str]

    def wrote(self, folder: Path) -> bool:
        """Whether ``folder`` is an output of this command: its manifest is a JSON object with our keys."""
        try:
            manifest = json.loads((folder / MANIFEST_FILE).read_text())
        except (OSError, UnicodeDecodeError, ValueError):
            return False
        return isinstance(manifest, dict) and self.manifest_keys <= manifest.keys()


# cdktn's manifest of the stacks in an output folder.
STACKS = OutputKind("mminfra synth", frozenset({"stacks", "version"}))
# The bootstrap scripts' manifest, written by mindmirror_infra/bootstrap/render.py.
BOOTSTRAP = OutputKind("mminfra bootstrap render", frozenset({"scripts"}))
# The application repository's workflows and scripts, written by mindmirror_infra/delivery/render.py.
DELIVERY = OutputKind("mminfra workflows render", frozenset({"workflows"}))
KINDS = (STACKS, BOOTSTRAP, DELIVERY)


def checked_out_dir(given: str, kind: OutputKind) -> Path:
    """The absolute folder ``--out`` names, if an output of ``kind`` may replace it whole; else InvalidConfig."""
    allowed = f"expected a new folder, an empty one or an earlier output of `{kind.command}`"

    def refuse(reason: str) -> InvalidConfig:
        return InvalidConfig("--out", given, f"{reason}; {allowed}")

    if not given.strip():
        raise refuse("an empty path (an unset shell variable?) names the current folder")
    out = Path(given).absolute()
    if out.is_symlink():
        raise refuse(f"it is a symbolic link, to {str(out.resolve())!r}, which would be replaced by a folder")
    out = out.resolve()
    protected = {
        "the current folder": Path.cwd().resolve(),
        "the home folder": Path.home().resolve(),
        "the project's own folder": PROJECT_ROOT,
    }
    for name, folder in protected.items():
        if folder.is_relative_to(out):
            raise refuse(f"it is {name} or a folder above it, which holds more than an output")
    for above in out.parents:
        outer = next((k for k in KINDS if k.wrote(above)), None)
        if outer is not None:
            raise refuse(f"it is inside {str(above)!r}, an output of `{outer.command}`")
    if out.exists() and not out.is_dir():
        raise refuse("it is a file, not a folder")
    if out.is_dir() and not kind.wrote(out) and any(out.iterdir()):
        other = next((k for k in KINDS if k.wrote(out)), None)
        held = f"the output of `{other.command}`" if other else f"files without the {MANIFEST_FILE} of an output"
        raise refuse(f"it holds {held}")
    return out


@contextlib.contextmanager
def replacing(given: str, kind: OutputKind) -> Iterator[tuple[Path, Path]]:
    """The checked output folder and an empty staging folder beside it, for the block to write and swap.

    The block runs under the output's lock, after what an earlier stopped run
    left has been put back or removed. The staging folder is removed on the way out.
    """
    out = checked_out_dir(given, kind)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        lock = _locked(_beside(out, LOCK))
        lock.__enter__()
    except OSError:
        raise InvalidConfig("--out", given, "expected a folder that can be created and written") from None
    try:
        recover(out)
        checked_out_dir(given, kind)  # again: another run may have changed it while this one waited
        staging = _staging_folder(out, given)
        try:
            yield out, staging
        finally:
            _remove(staging)
    finally:
        lock.__exit__(None, None, None)


def _beside(path: Path, role: str) -> Path:
    return path.with_name(f".{path.name}.{role}")


def _staging_folder(out: Path, given: str) -> Path:
    try:
        if out.exists() and not os.access(out, os.W_OK):
            raise PermissionError(out)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        staging.chmod(0o755)  # mkdtemp's 0700 would otherwise become the output's mode
        return staging
    except OSError:
        raise InvalidConfig("--out", given, "expected a folder that can be created and written") from None


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """An exclusive lock on the file ``path``, created if need be and removed when released.

    A run that waited checks that the file it locked is still the one at
    ``path``: the run before it may have removed it, and a third run locked a new one.
    """
    while True:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"waiting for another mminfra run writing {path.parent}", file=sys.stderr)
            fcntl.flock(descriptor, fcntl.LOCK_EX)
        with contextlib.suppress(FileNotFoundError):
            if os.stat(path).st_ino == os.fstat(descriptor).st_ino:
                break
        os.close(descriptor)
    try:
        yield
    finally:
        path.unlink(missing_ok=True)
        os.close(descriptor)


def recover(current: Path) -> None:
    """Puts back or removes what a stopped swap of ``current`` left; called under the output's lock.

    A ``.<name>.previous`` without ``current`` is the old output, put back; with
    it, a leftover. Staging folders ``.<name>.<random>`` are leftovers: no other
    run can be writing one while this one holds the lock.
    """
    previous = _beside(current, PREVIOUS)
    if previous.is_dir() and not current.exists():
        _rename(previous, current)
    for leftover in current.parent.glob(f".{glob.escape(current.name)}.*"):
        if leftover.is_dir() and not leftover.is_symlink():
            _remove(leftover)


def swap(new: Path, current: Path) -> None:
    """Puts the folder ``new`` where ``current`` is, in one step where the system can.

    OpenTofu's working files in ``current`` are linked into ``new`` first, where
    their folder still exists, so that they are in place whichever of the two
    is there when a run stops.
    """
    current.parent.mkdir(parents=True, exist_ok=True)
    if not current.exists():
        _rename(new, current)
        return
    _carry_tofu_working_files(current, new)
    if _exchange(new, current):
        _remove(new)  # now the old output
        return
    previous = _beside(current, PREVIOUS)
    _remove(previous)
    _rename(current, previous)
    try:
        _rename(new, current)
    except BaseException:
        _rename(previous, current)
        raise
    _remove(previous)


def _rename(source: Path, target: Path) -> None:
    source.rename(target)


def _remove(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


_LIBC = ctypes.CDLL(None, use_errno=True)
# renameat2(2): glibc 2.28 and later; exchange needs Linux 3.15 and a filesystem that supports it.
_RENAMEAT2 = getattr(_LIBC, "renameat2", None)
_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(first: Path, second: Path) -> bool:
    """Swaps two paths in one step; False where the system cannot, having changed nothing."""
    if _RENAMEAT2 is None:
        return False
    if _RENAMEAT2(_AT_FDCWD, bytes(first), _AT_FDCWD, bytes(second), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _carry_tofu_working_files(current: Path, new: Path) -> None:
    """Hard links (copies where links fail) OpenTofu's working files of ``current`` into ``new``."""
    for folder, subfolders, files in os.walk(current):
        here = Path(folder)
        target = new / here.relative_to(current)
        for name in [n for n in (*subfolders, *files) if n in TOFU_WORKING_FILES]:
            if not target.is_dir():
                continue
            if (here / name).is_dir() and not (here / name).is_symlink():
                shutil.copytree(here / name, target / name, symlinks=True, copy_function=_link_or_copy)
            else:
                _link_or_copy(here / name, target / name)
        subfolders[:] = [n for n in subfolders if n not in TOFU_WORKING_FILES]


def _link_or_copy(source: str | Path, target: str | Path) -> None:
    if Path(source).is_symlink():
        os.symlink(os.readlink(source), target)
        return
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)
