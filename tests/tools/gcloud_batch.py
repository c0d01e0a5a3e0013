"""Many gcloud command lines through one gcloud: its own CLI object, built once, run once per line.

Run with gcloud's Python (see tests/gcloud_cli.py): starting gcloud costs about
a CPU-second, most of it importing and building the command tree, which this
does once. Each line goes through the same `Execute` as `gcloud ARGS` does,
which pushes and pops that line's flags and properties; a refusal exits as it
would (2 for a line that does not parse), and an error gcloud does not know is
reported as its crash handler does, exit 1 with the error's class. File
descriptors 1 and 2 are redirected around each line, so what is checked is what
the command wrote, wherever gcloud's logging holds its streams.

    python gcloud_batch.py SDK_ROOT RESULTS < calls.json

calls.json: [{"argv": [...], "stdin": "..."}]; RESULTS receives
[{"returncode": int, "stderr": str}] in the same order.
"""

import io
import json
import os
import sys
import tempfile
from typing import Any


def run(cli: Any, argv: list[str], stdin: str) -> dict[str, Any]:
    """One command line: its exit code and what it wrote to standard error."""
    saved = os.dup(1), os.dup(2)
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode()))
        try:
            cli.Execute(argv)
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else int(stop.code is not None)
        except Exception as error:  # as gcloud's crash handler does
            sys.stderr.write(f"ERROR: gcloud crashed ({type(error).__name__}): {error}\n")
            code = 1
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
        err.seek(0)
        return {"returncode": code, "stderr": err.read().decode("utf-8", "replace")}


def main() -> None:
    sdk_root, results_path = sys.argv[1:3]
    calls = json.load(sys.stdin)
    sys.path.insert(0, os.path.join(sdk_root, "lib"))
    import gcloud  # the SDK's entry module: it puts gcloud's vendored packages first

    sys.path = gcloud.reorder_sys_path(sys.path)
    gcloud._fix_google_module()
    from googlecloudsdk import gcloud_main
    from googlecloudsdk.core.credentials import creds_context_managers

    cli = gcloud_main.CreateCLI([])
    # As gcloud_main.main: the credential providers (impersonation among them) registered around the commands.
    with creds_context_managers.CredentialProvidersManager(None):
        results = [run(cli, call["argv"], call["stdin"]) for call in calls]
    with open(results_path, "w", encoding="utf-8") as out:
        json.dump(results, out)


if __name__ == "__main__":
    main()
