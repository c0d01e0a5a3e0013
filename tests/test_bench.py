"""The benchmark's own arithmetic and failure report (its timings are never run by the suite)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import catalogs, mechanisms, run
from mindmirror_infra import node_runtime, synthesis


def measurement(key: str, *runs: float) -> run.Measurement:
    return run.Measurement(key, key.replace("_", " "), ["true"], list(runs))


def results(embedded: float, *sizes: float) -> list[run.Measurement]:
    return [
        measurement("floor", 4.0, 5.0),
        measurement("on_demand_floor", 1.0, 1.5),
        measurement("embedded", embedded),
        *(measurement(f"services_{n}", seconds) for n, seconds in zip(run.SIZES, sizes, strict=True)),
    ]


def test_a_failed_command_stops_the_benchmark_with_the_end_of_what_it_printed() -> None:
    command = ["sh", "-c", "for n in $(seq 1 50); do echo line $n; done; echo oops >&2; exit 3"]
    with pytest.raises(SystemExit) as stopped:
        run.timed_once(command)
    message = str(stopped.value)
    assert message.startswith("sh -c 'for n in")
    assert "failed (exit 3), ending with:\n" in message
    assert message.endswith("line 50\noops")
    assert "\nline 12\n" in message
    assert "\nline 11\n" not in message, f"only the last {run.FAILURE_LINES} lines"


def test_targets_are_ratios_of_minima_to_the_floors_minimum() -> None:
    checked = run.targets(results(5.2, 6.0, 8.0, 10.0))
    assert checked == [
        {"target": "embedded synth <= 1.3x floor", "value": 1.3, "met": True},
        {"target": "200 services <= 2.5x floor", "value": 2.5, "met": True},
        {"target": "linear: cost per service 50->200 <= 1.25x 10->50", "value": 0.27, "met": True},
    ]


def test_a_cost_per_service_that_grows_with_size_is_not_linear() -> None:
    grown = run.growth(results(5.0, 6.0, 6.4, 8.0))
    assert grown == {"s_per_service_10_to_50": 0.01, "s_per_service_50_to_200": 0.0107, "linear": True}
    assert run.growth(results(5.0, 6.0, 6.4, 9.0))["linear"] is False


def test_the_floors_differ_only_in_how_node_loads_the_provider() -> None:
    node_options = {"whole": "--max-old-space-size=8192", "on_demand": "--max-old-space-size=8192 --require x.cjs"}
    plan = {m.key: m for m in run.synthesis_plan(Path("/out"), ["cdktn_provider_google.provider"], node_options)}
    assert run.environment(plan["floor"].node_options)["NODE_OPTIONS"] == node_options["whole"]
    assert run.environment(plan["on_demand_floor"].node_options)["NODE_OPTIONS"] == node_options["on_demand"]
    assert plan["floor"].command == plan["on_demand_floor"].command
    assert plan["embedded"].node_options is None, "mminfra configures its own Node.js"


def test_a_process_of_the_project_names_the_bindings_and_both_ways_to_load_the_provider(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("NODE_OPTIONS", "--max-old-space-size=8192")
    asked = subprocess.run(
        [sys.executable, "-c", run.PROJECT_PROGRAM], env=run.environment(), capture_output=True, text=True, check=True
    )
    project = json.loads(asked.stdout)
    loader = node_runtime.require_option(node_runtime.ON_DEMAND_LOADER)
    assert project["whole"] == "--max-old-space-size=8192"
    assert project["on_demand"] == f"--max-old-space-size=8192 {loader}"
    assert "cdktn_provider_google.cloud_run_v2_service" in project["bindings"]


def test_the_report_gives_each_minimum_against_both_floors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run.report(results(5.2, 6.0, 8.0, 10.0), tmp_path / "results.json")
    document = json.loads((tmp_path / "results.json").read_text())
    assert (document["floor_s"], document["on_demand_floor_s"]) == (4.0, 1.0)
    embedded = next(row for row in document["results"] if row["name"] == "embedded")
    assert embedded | {"runs_s": None} == {
        "name": "embedded",
        "min_s": 5.2,
        "median_s": 5.2,
        "min_ratio_to_floor": 1.3,
        "median_ratio_to_floor": 1.3,
        "min_ratio_to_on_demand_floor": 5.2,
        "runs_s": None,
    }
    assert "embedded synth <= 1.3x floor: 1.3 met" in capsys.readouterr().out


def test_each_mechanism_is_measured_off_in_the_same_rounds_into_a_folder_of_its_own() -> None:
    node_options = {"whole": "", "on_demand": "--require x.cjs"}
    plan = {m.key: m for m in run.synthesis_plan(Path("/out"), [], node_options)}
    off = {key: m.command for key, m in plan.items() if key.startswith("embedded_without_")}
    assert off == {
        **{
            run.without(mechanism): [
                run.PYTHON,
                "-m",
                "bench.mechanisms",
                mechanism,
                "synth",
                "--out",
                f"/out/{run.without(mechanism)}",
            ]
            for mechanism in mechanisms.MECHANISMS
        },
        run.without(run.WORKERS): [*run.synth_command(Path(f"/out/{run.without(run.WORKERS)}")), "--jobs", "1"],
    }
    assert plan["embedded"].command == run.synth_command(Path("/out/embedded"))


def test_a_mechanism_earns_its_keep_by_the_median_of_its_rounds_ratios() -> None:
    on = measurement("embedded", 2.0, 4.0, 2.0)
    # Round by round off/on: 1.25, 1.05, 1.2; the minima alone would say 1.1.
    slower = measurement(run.without("faster-thing"), 2.5, 4.2, 2.4)
    same = measurement(run.without("idle-thing"), 2.0, 4.4, 1.9)
    rows = {row["mechanism"]: row for row in run.mechanism_savings([on, slower, same])}
    assert rows["faster_thing"] == {
        "mechanism": "faster_thing",
        "on_min_s": 2.0,
        "off_min_s": 2.4,
        "on_median_s": 2.0,
        "off_median_s": 2.5,
        "off_to_on_of_minima": 1.2,
        "off_to_on_paired_median": 1.2,
        "saving": 0.167,
        "earns_its_keep": True,
    }
    assert rows["idle_thing"]["off_to_on_paired_median"] == 1.0
    assert rows["idle_thing"]["earns_its_keep"] is False


def test_a_mechanism_that_changes_the_output_is_named(tmp_path: Path) -> None:
    for folder, text in [("embedded", "{}"), (run.without("a"), "{}"), (run.without("b"), '{"changed": 1}')]:
        (tmp_path / folder / "stacks").mkdir(parents=True)
        (tmp_path / folder / "stacks" / "cdk.tf.json").write_text(text)
    assert run.differing_outputs(tmp_path) == [run.without("b")]


def test_each_mechanism_is_switched_off_in_the_process_that_runs_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(synthesis, "WORKER_MODULE", synthesis.WORKER_MODULE)
    monkeypatch.setenv("NODE_OPTIONS", node_runtime.with_on_demand_loader("--max-old-space-size=8192"))
    mechanisms.switch_off(mechanisms.PROVIDER_ON_DEMAND, worker=False)
    assert synthesis.WORKER_MODULE == "bench.mechanisms", "workers switch it off in themselves too"
    assert os.environ["NODE_OPTIONS"] == "--max-old-space-size=8192"


def test_cached_reads_become_plain_properties_in_a_worker() -> None:
    program = (
        "from bench import mechanisms\n"
        "from mindmirror_infra.constructs.service_account import ServiceAccount\n"
        "print(mechanisms.uncache_constructs(), type(ServiceAccount.__dict__['email']).__name__)"
    )
    ran = subprocess.run(
        [sys.executable, "-c", program], env=run.environment(), capture_output=True, text=True, check=True
    )
    count, kind = ran.stdout.split()
    assert int(count) > 1
    assert kind == "property"


def test_the_review_target_is_the_fastest_run_in_seconds() -> None:
    checked = run.targets([*results(5.2, 6.0, 8.0, 10.0), measurement("review", 1.4, 0.8)])
    assert checked[-1] == {"target": "mminfra diff of two stacks <= 1 s", "value": 0.8, "met": True}
    missed = run.targets([*results(5.2, 6.0, 8.0, 10.0), measurement("review", 1.2)])
    assert missed[-1] == {"target": "mminfra diff of two stacks <= 1 s", "value": 1.2, "met": False}


@pytest.mark.parametrize("size", run.SIZES)
def test_the_sized_catalogs_are_valid_catalogs_of_their_size(size: int) -> None:
    catalog = getattr(catalogs, f"services_{size}")()
    assert len(catalog.services) == size
