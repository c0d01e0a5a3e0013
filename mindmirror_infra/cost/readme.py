"""The README's estimates, rewritten by `make synth` so they stay those of the committed generated/.

Runs `mminfra cost --format markdown` on generated/ and puts its output
between the README's markers. Adding a service changes the estimates; with
this step, `make synth` brings the README along as it does generated/ and bootstrap/.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BEGIN = "<!-- mminfra cost --format markdown -->\n"
END = "<!-- end of mminfra cost -->"


def with_estimates(readme: str, estimates: str) -> str:
    """``readme`` with the text between its markers replaced by ``estimates``."""
    start, stop = readme.find(BEGIN), readme.find(END)
    if start < 0 or stop < start:
        raise ValueError(f"expected the markers {BEGIN.strip()!r} and {END!r}, in that order")
    if not estimates.strip():
        raise ValueError("expected the estimates, got nothing")
    return readme[: start + len(BEGIN)] + estimates + readme[stop:]


def main() -> int:
    path = Path(sys.argv[1])
    command = [sys.executable, "-m", "mindmirror_infra.cli", "cost", "--format", "markdown"]
    estimates = subprocess.run(command, capture_output=True, text=True, check=False)
    if estimates.returncode != 0:
        print(estimates.stderr, end="", file=sys.stderr)
        return estimates.returncode
    try:
        updated = with_estimates(path.read_text(), estimates.stdout)
    except ValueError as error:
        print(f"error: {path}: {error}", file=sys.stderr)
        return 1
    if updated != path.read_text():
        path.write_text(updated)
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
