"""Synthesis benchmark: every figure as a ratio to a floor measured in the same run.

The floor is a Python process that imports the Google provider bindings the
stacks use and synthesizes an empty stack: the cost no synthesis can avoid.
Each measurement is a fresh process tree, run several times; the table gives
the minimum and the median.

    .venv/bin/python -m bench.run [--runs 5] [--skip-make-test] [--json bench/results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

FLOOR_PROGRAM = """
import importlib, sys, tempfile
from cdktn import App, TerraformStack
for name in sys.argv[1:]:
    importlib.import_module(name)
with tempfile.TemporaryDirectory() as out:
    app = App(outdir=out, stack_traces=False)
    TerraformStack(app, "empty")
    app.synth()
"""

LIST_BINDINGS_PROGRAM = """
import sys
import mindmirror_infra.app
print("\\n".join(sorted(m for m in sys.modules if m.startswith("cdktn_provider_google.") and "_jsii" not in m)))
"""


@dataclass(frozen=True)
class Measurement:
    name: str
    runs: list[float]

    @property
    def minimum(self) -> float:
        return min(self.runs)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO)
    env["PATH"] = f"{REPO / 'node_modules' / '.bin'}:{env['PATH']}"
    env["JSII_NODE"] = str(REPO / "node_modules" / ".bin" / "node")
    return env


def timed(command: Sequence[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, cwd=REPO, env=environment(), check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def synth_command(out: Path, catalog: str | None = None) -> list[str]:
    command = [PYTHON, "-m", "mindmirror_infra.cli", "synth", "--out", str(out)]
    return [*command, "--catalog", catalog] if catalog else command


def measure(runs: int, with_make_test: bool) -> list[Measurement]:
    bindings = subprocess.run(
        [PYTHON, "-c", LIST_BINDINGS_PROGRAM], cwd=REPO, env=environment(), check=True, capture_output=True, text=True
    ).stdout.split()
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "out"
        plan: list[tuple[str, list[str]]] = [
            ("floor: import bindings + empty stack", [PYTHON, "-c", FLOOR_PROGRAM, *bindings]),
            ("mminfra synth (embedded, 2 envs)", synth_command(out)),
            *(
                (f"synth {n} services (2 envs)", synth_command(out, f"bench.catalogs:services_{n}"))
                for n in (10, 50, 200)
            ),
        ]
        results = [Measurement(name, timed(command, runs)) for name, command in plan]
    if with_make_test:
        results.append(Measurement("make test", timed(["make", "test"], runs)))
    return results


def report(results: list[Measurement], json_path: Path) -> None:
    floor = results[0].minimum
    rows = [
        {
            "name": m.name,
            "min_s": round(m.minimum, 3),
            "median_s": round(m.median, 3),
            "min_ratio_to_floor": round(m.minimum / floor, 2),
            "median_ratio_to_floor": round(m.median / floor, 2),
            "runs_s": [round(t, 3) for t in m.runs],
        }
        for m in results
    ]
    width = max(len(r["name"]) for r in rows)
    print(f"{'measurement':<{width}}  {'min s':>8}  {'median s':>8}  {'min x':>6}  {'median x':>8}")
    for r in rows:
        print(
            f"{r['name']:<{width}}  {r['min_s']:>8.2f}  {r['median_s']:>8.2f}  "
            f"{r['min_ratio_to_floor']:>6.2f}  {r['median_ratio_to_floor']:>8.2f}"
        )
    json_path.parent.mkdir(parents=True, exist_ok=True)
    json_path.write_text(json.dumps({"floor_s": round(floor, 3), "results": rows}, indent=2) + "\n")
    print(f"\nwrote {json_path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-make-test", action="store_true")
    parser.add_argument("--json", type=Path, default=REPO / ".bench" / "results.json")
    args = parser.parse_args()
    report(measure(args.runs, not args.skip_make_test), args.json)


if __name__ == "__main__":
    main()
