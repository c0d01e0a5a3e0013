"""Synthesis benchmark: every figure as a ratio to a floor measured in the same run.

The floor is a Python process that imports the Google provider bindings the
stacks use and synthesizes an empty stack, with Node.js loading the provider
whole, as any process of the bindings does. A second floor is the same process
with the provider loaded on demand, as ``mminfra`` loads it: what remains above
it is the cost of building the stacks.
Each measurement is a fresh process tree, run several times; the table gives
the minimum and the median. Runs go round by round (every measurement once,
then again), so a change in the machine's load reaches all of them alike.

    .venv/bin/python -m bench.run [--runs 5] [--skip-make-test] [--json .bench/results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench import mechanisms

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
MIN_RUNS = 5
SIZES = (10, 50, 200)
# The targets of the project, as ratios of the minimum to the floor's minimum.
EMBEDDED_TARGET = 1.3
LARGEST_TARGET = 2.5
MAKE_TEST_TARGET_S = 90.0
# Growth counts as linear when the cost per added service from 50 to 200
# services is within this factor of the cost per added service from 10 to 50.
LINEAR_TOLERANCE = 1.25
# A speed mechanism stays when it saves at least this share of the embedded
# synthesis's time without it (docs/speed.md).
KEEP_SAVING = 0.10
# Synthesis worker processes: switched off with `--jobs 1`; the others by bench.mechanisms.
WORKERS = "workers"
# `mminfra diff` of two full stacks (docs/decisions/0017-plan-free-review.md).
REVIEW_TARGET_S = 1.0
REVIEW_CATALOG = "bench.catalogs:services_10"
# How much of a failed command's output the benchmark shows.
FAILURE_LINES = 40

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

# Asked of a process of the project, so that this one stays as any process of the bindings is:
# the bindings the stacks import, and NODE_OPTIONS loading the provider whole and on demand.
PROJECT_PROGRAM = """
import json, os, sys
import mindmirror_infra.app
from mindmirror_infra import node_runtime
options = os.environ["NODE_OPTIONS"]
print(json.dumps({
    "bindings": sorted(m for m in sys.modules if m.startswith("cdktn_provider_google.") and "_jsii" not in m),
    "whole": node_runtime.without_on_demand_loader(options),
    "on_demand": node_runtime.with_on_demand_loader(options),
}))
"""


@dataclass
class Measurement:
    key: str
    label: str
    command: list[str]
    runs: list[float] = field(default_factory=list)
    # The command's NODE_OPTIONS; None passes on this process's.
    node_options: str | None = None

    @property
    def minimum(self) -> float:
        return min(self.runs)

    @property
    def median(self) -> float:
        return statistics.median(self.runs)


def environment(node_options: str | None = None) -> dict[str, str]:
    """This process's environment, the project's Node.js and modules first; ``node_options`` replaces NODE_OPTIONS."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO)
    env["PATH"] = f"{REPO / 'node_modules' / '.bin'}:{env['PATH']}"
    env["JSII_NODE"] = str(REPO / "node_modules" / ".bin" / "node")
    if node_options is not None:
        env["NODE_OPTIONS"] = node_options
    return env


def timed_once(command: Sequence[str], node_options: str | None = None) -> float:
    """Seconds ``command`` took, run in ``environment(node_options)``; a failure ends the benchmark."""
    start = time.perf_counter()
    finished = subprocess.run(
        command, check=False, cwd=REPO, env=environment(node_options), capture_output=True, text=True
    )
    elapsed = time.perf_counter() - start
    if finished.returncode != 0:
        printed = "\n".join((finished.stdout + finished.stderr).splitlines()[-FAILURE_LINES:])
        raise SystemExit(f"{shlex.join(command)} failed (exit {finished.returncode}), ending with:\n{printed}")
    return elapsed


def synth_command(out: Path, catalog: str | None = None) -> list[str]:
    command = [PYTHON, "-m", "mindmirror_infra.cli", "synth", "--out", str(out)]
    return [*command, "--catalog", catalog] if catalog else command


def without(mechanism: str) -> str:
    """The key of the embedded catalog's synthesis with ``mechanism`` switched off."""
    return f"embedded_without_{mechanism.replace('-', '_')}"


def synthesis_plan(out: Path, bindings: Sequence[str], node_options: dict[str, str]) -> list[Measurement]:
    """The two floors, synthesis of the embedded catalog with every mechanism on and with each one off, then each size.

    The floors differ only in their NODE_OPTIONS: ``node_options["whole"]`` and
    ``node_options["on_demand"]``. Each synthesis writes into its own folder under ``out``.
    """
    floor = [PYTHON, "-c", FLOOR_PROGRAM, *bindings]
    switched_off = {
        mechanism: [PYTHON, "-m", "bench.mechanisms", mechanism, "synth", "--out", str(out / without(mechanism))]
        for mechanism in mechanisms.MECHANISMS
    }
    switched_off[WORKERS] = [*synth_command(out / without(WORKERS)), "--jobs", "1"]
    return [
        Measurement("floor", "floor: import bindings + empty stack", floor, node_options=node_options["whole"]),
        Measurement(
            "on_demand_floor", "floor, provider loaded on demand", floor, node_options=node_options["on_demand"]
        ),
        Measurement("embedded", "mminfra synth (embedded, 2 envs)", synth_command(out / "embedded")),
        *(
            Measurement(without(mechanism), f"  the same without {mechanism}", command)
            for mechanism, command in switched_off.items()
        ),
        *(
            Measurement(
                f"services_{n}",
                f"synth {n} services (2 envs)",
                synth_command(out / f"services_{n}", f"bench.catalogs:services_{n}"),
            )
            for n in SIZES
        ),
    ]


def mechanism_savings(results: list[Measurement]) -> list[dict[str, Any]]:
    """Per mechanism, the embedded synthesis with it off and on, and the share of the time it saves.

    The saving is read from the median, over the rounds, of each round's ratio
    off/on; a mechanism earns its keep when it saves at least ``KEEP_SAVING`` of
    the synthesis without it.
    """
    by_key = {m.key: m for m in results}
    on = by_key["embedded"]
    rows = []
    for key in [k for k in by_key if k.startswith("embedded_without_")]:
        off = by_key[key]
        # On and off ran in the same round, moments apart: their ratio is the
        # least touched by the load of a shared machine.
        paired = statistics.median(o / n for o, n in zip(off.runs, on.runs, strict=True))
        saving = 1 - 1 / paired
        rows.append(
            {
                "mechanism": key.removeprefix("embedded_without_"),
                "on_min_s": round(on.minimum, 3),
                "off_min_s": round(off.minimum, 3),
                "on_median_s": round(on.median, 3),
                "off_median_s": round(off.median, 3),
                "off_to_on_of_minima": round(off.minimum / on.minimum, 2),
                "off_to_on_paired_median": round(paired, 2),
                "saving": round(saving, 3),
                "earns_its_keep": saving >= KEEP_SAVING,
            }
        )
    return rows


def differing_outputs(out: Path) -> list[str]:
    """The syntheses under ``out`` whose files differ from the embedded synthesis with every mechanism on."""
    reference = out / "embedded"
    expected = {p.relative_to(reference): p.read_bytes() for p in reference.rglob("*") if p.is_file()}
    differing = []
    for folder in sorted(p for p in out.iterdir() if p.name.startswith("embedded_without_")):
        written = {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
        if written != expected:
            differing.append(folder.name)
    return differing


def review_measurement(scratch: Path) -> Measurement:
    """`mminfra diff` of the committed stacks against both stacks of another catalog, synthesized once, untimed.

    Every stack changes throughout: the most a review reads for two stacks of this size.
    """
    variant = scratch / "review-variant"
    timed_once(synth_command(variant, REVIEW_CATALOG))
    command = [PYTHON, "-m", "mindmirror_infra.cli", "diff", str(REPO / "generated"), str(variant)]
    return Measurement("review", f"mminfra diff, committed vs {REVIEW_CATALOG.split(':')[1]} (2 envs)", command)


def review_checks(least: dict[str, float]) -> list[tuple[str, float, float]]:
    if "review" not in least:
        return []
    return [(f"mminfra diff of two stacks <= {REVIEW_TARGET_S:g} s", least["review"], REVIEW_TARGET_S)]


def measure(runs: int, make_test: list[str] | None) -> list[Measurement]:
    """The synthesis measurements, then the suite's; the suite runs first, so that a failing suite stops it early."""
    suite = measure_suite(runs, make_test) if make_test else None
    project = json.loads(
        subprocess.run(
            [PYTHON, "-c", PROJECT_PROGRAM], cwd=REPO, env=environment(), check=True, capture_output=True, text=True
        ).stdout
    )
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "out"
        plan = synthesis_plan(out, project.pop("bindings"), project)
        plan.append(review_measurement(Path(scratch)))
        for round_number in range(1, runs + 1):
            for m in plan:
                m.runs.append(timed_once(m.command, m.node_options))
            print(f"round {round_number}/{runs} done", file=sys.stderr)
        if differing := differing_outputs(out):
            raise SystemExit(f"a mechanism switched off changed the output: {', '.join(differing)}")
    return [*plan, suite] if suite else plan


def measure_suite(runs: int, make_test: list[str]) -> Measurement:
    # Set up once, untimed: the figure is the suite on a machine that has run it before.
    subprocess.run([*make_test[:-1], "setup"], cwd=REPO, env=environment(), check=True, capture_output=True)
    suite = Measurement("make_test", shlex.join(make_test), make_test)
    for round_number in range(1, runs + 1):
        suite.runs.append(timed_once(make_test))
        print(f"{suite.label} {round_number}/{runs} done", file=sys.stderr)
    return suite


def minima(results: list[Measurement]) -> dict[str, float]:
    """Each measurement's fastest run, by key."""
    return {m.key: m.minimum for m in results}


def growth(results: list[Measurement]) -> dict[str, Any]:
    """Cost per added service between the catalog sizes, from the minima."""
    least = minima(results)
    small, mid, large = SIZES
    first = (least[f"services_{mid}"] - least[f"services_{small}"]) / (mid - small)
    second = (least[f"services_{large}"] - least[f"services_{mid}"]) / (large - mid)
    return {
        f"s_per_service_{small}_to_{mid}": round(first, 4),
        f"s_per_service_{mid}_to_{large}": round(second, 4),
        "linear": second <= first * LINEAR_TOLERANCE,
    }


def targets(results: list[Measurement]) -> list[dict[str, Any]]:
    least, grown = minima(results), growth(results)
    small, mid, large = SIZES
    checks = [
        (f"embedded synth <= {EMBEDDED_TARGET}x floor", least["embedded"] / least["floor"], EMBEDDED_TARGET),
        (f"{large} services <= {LARGEST_TARGET}x floor", least[f"services_{large}"] / least["floor"], LARGEST_TARGET),
        (
            f"linear: cost per service {mid}->{large} <= {LINEAR_TOLERANCE}x {small}->{mid}",
            grown[f"s_per_service_{mid}_to_{large}"] / grown[f"s_per_service_{small}_to_{mid}"],
            LINEAR_TOLERANCE,
        ),
    ]
    checks += review_checks(least)
    if "make_test" in least:
        checks.append((f"make test <= {MAKE_TEST_TARGET_S:g} s", least["make_test"], MAKE_TEST_TARGET_S))
    return [{"target": name, "value": round(value, 2), "met": value <= limit} for name, value, limit in checks]


def report(results: list[Measurement], json_path: Path) -> None:
    least = minima(results)
    floor, on_demand_floor = least["floor"], least["on_demand_floor"]
    rows: list[dict[str, Any]] = [
        {
            "name": m.label,
            "min_s": round(m.minimum, 3),
            "median_s": round(m.median, 3),
            "min_ratio_to_floor": round(m.minimum / floor, 2),
            "median_ratio_to_floor": round(m.median / floor, 2),
            "min_ratio_to_on_demand_floor": round(m.minimum / on_demand_floor, 2),
            "runs_s": [round(t, 3) for t in m.runs],
        }
        for m in results
    ]
    width = max(len(r["name"]) for r in rows)
    print(f"{'measurement':<{width}}  {'min s':>8}  {'median s':>8}  {'min x':>6}  {'median x':>8}  {'min x od':>8}")
    for r in rows:
        print(
            f"{r['name']:<{width}}  {r['min_s']:>8.2f}  {r['median_s']:>8.2f}  "
            f"{r['min_ratio_to_floor']:>6.2f}  {r['median_ratio_to_floor']:>8.2f}  "
            f"{r['min_ratio_to_on_demand_floor']:>8.2f}"
        )
    print("(x: ratio to the floor; x od: ratio to the floor with the provider loaded on demand)")
    savings = mechanism_savings(results)
    print(
        "\nmechanisms, embedded synthesis on and off (minima, medians; off/on of the minima and median of each "
        f"round's off/on; kept when saving >= {KEEP_SAVING:.0%} of the synthesis without it, by the latter):"
    )
    for row in savings:
        print(
            f"  {row['mechanism']:<20} on {row['on_min_s']:.2f} / {row['on_median_s']:.2f} s, "
            f"off {row['off_min_s']:.2f} / {row['off_median_s']:.2f} s, "
            f"off/on {row['off_to_on_of_minima']:.2f} / {row['off_to_on_paired_median']:.2f}, "
            f"saves {row['saving']:.0%}: {'earns its keep' if row['earns_its_keep'] else 'does NOT earn its keep'}"
        )
    grown, checked = growth(results), targets(results)
    print("\ncost per added service: " + ", ".join(f"{k} {v}" for k, v in grown.items()))
    for check in checked:
        print(f"{check['target']}: {check['value']} {'met' if check['met'] else 'MISSED'}")
    json_path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "floor_s": round(floor, 3),
        "on_demand_floor_s": round(on_demand_floor, 3),
        "runs": len(results[0].runs),
        "cpus": os.cpu_count(),
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "results": rows,
        "mechanisms": savings,
        "growth": grown,
        "targets": checked,
    }
    json_path.write_text(json.dumps(document, indent=2) + "\n")
    print(f"\nwrote {json_path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=MIN_RUNS, help=f"runs of each measurement (at least {MIN_RUNS})")
    parser.add_argument("--skip-make-test", action="store_true")
    parser.add_argument(
        "--make-test",
        default="make test",
        help="the suite command; its last word is the target, replaced by 'setup' for the untimed set-up",
    )
    parser.add_argument("--json", type=Path, default=REPO / ".bench" / "results.json")
    args = parser.parse_args()
    if args.runs < MIN_RUNS:
        parser.error(f"--runs: {args.runs} is not allowed; expected at least {MIN_RUNS}")
    make_test = None if args.skip_make_test else shlex.split(args.make_test)
    report(measure(args.runs, make_test), args.json)


if __name__ == "__main__":
    main()
