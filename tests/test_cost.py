"""The monthly estimate: hand-worked prices of known configurations, coverage of every type, budgets, `mminfra cost`."""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from mindmirror_infra.catalog import Catalog, Traffic
from mindmirror_infra.cli import main
from mindmirror_infra.cost import StackEstimate, estimate_output, estimate_stack
from mindmirror_infra.cost.budget import budget_amounts, derived_budget
from mindmirror_infra.cost.prices import PRICE_TABLE, load_prices, parse_prices
from mindmirror_infra.cost.resources import FREE, PRICED, UnclassifiedResource
from mindmirror_infra.cost.strategy import STRATEGY_TABLE
from mindmirror_infra.cost.usage import Usage, read_usage, usage_document, usage_of
from mindmirror_infra.layout import usage_file
from tests.conftest import REPO
from tests.synth import Config

# No project-wide usage, so a fragment's estimate is its resources alone.
QUIET = Usage(log_gib_per_month=0, secret_accesses_per_month=0)
MONTH_SECONDS = 730 * 3600  # 2,628,000


def estimate(resources: dict[str, dict[str, Any]], usage: Usage = QUIET) -> StackEstimate:
    return estimate_stack("test", {"resource": resources}, usage, load_prices())


def cost_of(resources: dict[str, dict[str, Any]], usage: Usage = QUIET) -> float:
    return estimate(resources, usage).total_usd


# --- known configurations, worked by hand ----------------------------------------------


def test_one_ha_custom_2_7680_with_20_gb_ssd_costs_the_hand_worked_figure() -> None:
    instance = {
        "settings": {
            "tier": "db-custom-2-7680",
            "availability_type": "REGIONAL",
            "disk_size": 20,
            "disk_type": "PD_SSD",
            "backup_configuration": {"enabled": True},
        }
    }
    result = estimate({"google_sql_database_instance": {"db": instance}})
    # vCPU:     2 x $0.0826/h x 730 h    = $120.596
    # memory: 7.5 GB (7680 MB / 1024) x $0.014/GB-h x 730 h = $76.65
    # SSD:     20 GB x $0.34/GB-month     = $6.80
    # backups: 20 GB x $0.08/GB-month     = $1.60  (one full copy of the disk)
    assert result.total_usd == pytest.approx(120.596 + 76.65 + 6.80 + 1.60)  # $205.646
    assert result.fixed_usd == result.total_usd
    compute = sum(line.usd for line in result.lines if "vCPU" in line.item or "memory" in line.item)
    assert compute == pytest.approx(197.246)  # the "about $197 a month for compute alone"


def test_a_zonal_instance_without_backups_pays_the_zonal_rates() -> None:
    instance = {"settings": {"tier": "db-custom-1-3840", "availability_type": "ZONAL", "disk_size": 10}}
    # 1 x $0.0413 x 730 = $30.149; 3.75 GB x $0.007 x 730 = $19.1625; 10 GB x $0.17 = $1.70
    assert cost_of({"google_sql_database_instance": {"db": instance}}) == pytest.approx(30.149 + 19.1625 + 1.70)


def test_a_shared_core_instance_is_priced_by_the_instance_hour() -> None:
    instance = {"settings": {"tier": "db-f1-micro", "disk_size": 10}}
    # $0.0105 x 730 = $7.665; 10 GB x $0.17 = $1.70
    assert cost_of({"google_sql_database_instance": {"db": instance}}) == pytest.approx(7.665 + 1.70)


def run_service(name: str, minimum: int, cpu_idle: bool = True) -> dict[str, Any]:
    container = {"resources": {"cpu_idle": cpu_idle, "limits": {"cpu": "1", "memory": "512Mi"}}}
    return {"name": name, "template": {"containers": [container], "scaling": {"min_instance_count": minimum}}}


def test_a_minimum_instance_is_fixed_at_the_idle_rate_and_requests_are_usage() -> None:
    usage = Usage(traffic={"api": Traffic(1_000_000, 0.25)}, log_gib_per_month=0, secret_accesses_per_month=0)
    result = estimate({"google_cloud_run_v2_service": {"api": run_service("api", 1)}}, usage)
    # idle: 1 vCPU x 2,628,000 s x $0.0000025 = $6.57; 0.5 GiB x 2,628,000 s x $0.0000025 = $3.285
    assert result.fixed_usd == pytest.approx(6.57 + 3.285)
    # busy: 1,000,000 x 0.25 s = 250,000 s; 1 vCPU x $0.000024 = $6.00; 0.5 GiB x $0.0000025 = $0.3125;
    # requests: 1 million x $0.40 = $0.40
    assert result.usage_usd == pytest.approx(6.00 + 0.3125 + 0.40)


def test_a_service_scaled_to_zero_costs_nothing_without_traffic() -> None:
    usage = Usage(traffic={"api": Traffic(0, 0.25)}, log_gib_per_month=0, secret_accesses_per_month=0)
    assert cost_of({"google_cloud_run_v2_service": {"api": run_service("api", 0)}}, usage) == 0


def test_a_worker_pool_is_always_on_at_the_instance_based_rate() -> None:
    pool = {
        "scaling": {"scaling_mode": "MANUAL", "manual_instance_count": 2},
        "template": {"containers": [{"resources": {"limits": {"cpu": "1", "memory": "512Mi"}}}]},
    }
    result = estimate({"google_cloud_run_v2_worker_pool": {"worker": pool}})
    # 2 x (1 vCPU x 2,628,000 s x $0.000018 + 0.5 GiB x 2,628,000 s x $0.000002) = 2 x (47.304 + 2.628)
    assert result.fixed_usd == pytest.approx(2 * (47.304 + 2.628))
    assert result.usage_usd == 0


def test_a_job_costs_its_assumed_runs() -> None:
    job = {"template": {"task_count": 1, "template": {"containers": [{"resources": {"limits": {"cpu": "2"}}}]}}}
    usage = Usage(job_runs_per_month=10, job_seconds_per_run=60, log_gib_per_month=0, secret_accesses_per_month=0)
    result = estimate({"google_cloud_run_v2_job": {"migrate": job}}, usage)
    # 600 s: 2 vCPU x $0.000018 = $0.0216; 0.5 GiB (the default) x $0.000002 = $0.0006
    assert result.usage_usd == pytest.approx(0.0216 + 0.0006)
    assert result.fixed_usd == 0


def test_a_connector_runs_its_minimum_instances_all_month() -> None:
    connector = {"machine_type": "e2-micro", "min_instances": 2, "max_instances": 3}
    # 2 x 730 h x $0.008376 = $12.22896
    assert cost_of({"google_vpc_access_connector": {"connector": connector}}) == pytest.approx(12.22896)


def test_memorystore_for_redis_is_priced_by_tier_and_capacity() -> None:
    basic = {"tier": "BASIC", "memory_size_gb": 1}
    standard = {"tier": "STANDARD_HA", "memory_size_gb": 2}
    # 1 GB x 730 h x $0.049 = $35.77; 2 GB x 730 h x $0.064 = $93.44
    assert cost_of({"google_redis_instance": {"cache": basic}}) == pytest.approx(35.77)
    assert cost_of({"google_redis_instance": {"cache": standard}}) == pytest.approx(93.44)


def test_a_quantity_without_a_price_is_shown_apart_and_left_out_of_the_total() -> None:
    result = estimate({"google_redis_instance": {"cache": {"tier": "BASIC", "memory_size_gb": 5}}})
    assert [str(gap) for gap in result.unpriced] == [
        "google_redis_instance.cache: 5 GB, basic tier: no price 'redis_basic_m2' in prices.toml; "
        "add it with its source page"
    ]
    assert "google_redis_instance.cache" not in result.by_resource()
    assert result.total_usd == 0


def test_memorystore_for_valkey_is_priced_per_node_once_its_node_type_has_a_price() -> None:
    # As the provider writes it: the API's enum.
    # A node type the table does not price (the stacks use shared-core-nano and standard-small).
    valkey = {"google_memorystore_instance": {"cache": {"node_type": "HIGHMEM_XLARGE", "shard_count": 1,
                                                        "replica_count": 1}}}  # fmt: skip
    assert [gap.price_key for gap in estimate(valkey).unpriced] == ["valkey_highmem_xlarge"]
    document = tomllib.loads(PRICE_TABLE.read_text())
    document["prices"]["valkey_highmem_xlarge"] = {
        "usd": 0.1, "unit": "node-hour", "sku": "test", "source": "test", "read": "test", "evidence": "test",
    }  # fmt: skip
    result = estimate_stack("test", {"resource": valkey}, QUIET, parse_prices(document))
    # 1 shard x (1 primary + 1 replica) x 730 h x $0.1 = $146
    assert result.total_usd == pytest.approx(146)


def test_logging_is_charged_above_the_free_50_gib_of_the_project() -> None:
    # (60 - 50) GiB x $0.50 = $5.00
    assert cost_of({}, Usage(log_gib_per_month=60, secret_accesses_per_month=0)) == pytest.approx(5.0)
    assert cost_of({}, Usage(log_gib_per_month=50, secret_accesses_per_month=0)) == 0


def test_uptime_checks_are_charged_above_the_free_million_executions() -> None:
    check = {"period": "60s", "selected_regions": ["USA_OREGON", "USA_IOWA", "USA_VIRGINIA", "EUROPE"]}
    # 4 regions x 43,800 runs = 175,200 executions: inside the free million
    assert cost_of({"google_monitoring_uptime_check_config": {"a": check}}) == 0
    checks = {f"c{i}": check for i in range(10)}
    # 10 x 175,200 = 1,752,000 executions; 752,000 beyond the million x $0.0003 = $225.60
    assert cost_of({"google_monitoring_uptime_check_config": checks}) == pytest.approx(225.60)


def test_secret_versions_are_fixed_and_accesses_are_usage() -> None:
    secrets: dict[str, Any] = {name: {"replication": {"auto": {}}} for name in ("a", "b", "c")}
    result = estimate({"google_secret_manager_secret": secrets}, Usage(secret_accesses_per_month=1_000_000,
                                                                       log_gib_per_month=0))  # fmt: skip
    assert result.fixed_usd == pytest.approx(3 * 0.06)  # one active version each, one location
    assert result.usage_usd == pytest.approx(100 * 0.03)  # 1,000,000 / 10,000 x $0.03


def test_storage_is_the_assumed_size_shared_by_the_repositories_and_buckets() -> None:
    usage = Usage(registry_gb=5, documents_gb=10, log_gib_per_month=0, secret_accesses_per_month=0)
    repositories: dict[str, Any] = {"a": {}, "b": {}}
    bucket = {"location": "US-CENTRAL1", "storage_class": "STANDARD"}
    result = estimate({"google_artifact_registry_repository": repositories, "google_storage_bucket": {"d": bucket}},
                      usage)  # fmt: skip
    # 5 GB x $0.10 = $0.50 (2.5 GB each); 10 GB x $0.02 = $0.20
    priced = {product: usd for product, usd in result.by_product().items() if usd}
    assert priced == pytest.approx({"Artifact Registry": 0.50, "Cloud Storage": 0.20})


def test_a_bucket_outside_the_tables_region_needs_a_price_of_its_own() -> None:
    result = estimate({"google_storage_bucket": {"d": {"location": "EU", "storage_class": "STANDARD"}}})
    assert [gap.price_key for gap in result.unpriced] == ["storage_standard_eu"]


def test_a_type_neither_priced_nor_free_stops_the_estimate() -> None:
    with pytest.raises(
        UnclassifiedResource, match=r"google_compute_instance\.vm: resource type google_compute_instance "
    ):
        estimate({"google_compute_instance": {"vm": {}}})


# --- the catalog's stacks ----------------------------------------------------------------------


def test_every_resource_type_in_the_stacks_is_priced_or_free_with_a_reason(stacks: dict[str, Config]) -> None:
    assert not set(PRICED) & set(FREE)
    assert all(FREE.values())
    for config in stacks.values():
        assert set(config["resource"]) <= set(PRICED) | set(FREE)


def test_every_quantity_in_the_stacks_has_a_price(catalog: Catalog, fresh_out: Path) -> None:
    for env in catalog.environments:
        assert [str(gap) for gap in estimate_output(fresh_out, env.name).unpriced] == []


def test_every_price_names_its_sku_source_and_date() -> None:
    for price in load_prices().prices.values():
        assert price.usd > 0, price.key
        assert price.sku, price.key
        assert price.unit, price.key
        assert price.source.startswith("https://"), price.key
        assert re.fullmatch(r"20\d\d-\d\d-\d\d", price.read), price.key
        assert price.evidence, price.key


def test_usage_assumptions_are_written_beside_each_stack(catalog: Catalog, fresh_out: Path) -> None:
    for env in catalog.environments:
        written = usage_file(fresh_out, env.name).read_text()
        assert written == usage_document(usage_of(catalog, env))
        assert set(json.loads(written)["traffic"]) == {s.name for s in catalog.services if s.kind == "http"}
        assert read_usage(fresh_out, env.name) == usage_of(catalog, env)


def test_each_stack_is_priced_from_the_output_folder(catalog: Catalog, fresh_out: Path) -> None:
    for env in catalog.environments:
        result = estimate_output(fresh_out, env.name)
        assert result.env_name == env.name
        assert result.total_usd == pytest.approx(result.fixed_usd + result.usage_usd)
        assert result.fixed_usd > 0
        products = result.by_product()
        assert products["Cloud SQL"] > 0
        assert len({a for a in result.by_resource() if a.startswith("google_sql_database_instance.")}) == len(
            catalog.databases
        )


def test_a_derived_budget_is_the_estimate_and_its_margin_rounded_up_to_ten(
    catalog: Catalog, fresh_out: Path, stacks: dict[str, Config]
) -> None:
    for env in catalog.environments:
        result = estimate_output(fresh_out, env.name)
        (amount,) = budget_amounts(stacks[env.name]).values()
        if env.operations.budget_usd is None:
            assert amount == derived_budget(result)
            assert result.total_usd * (1 + env.operations.budget_margin) <= amount
            assert amount - 10 < result.total_usd * (1 + env.operations.budget_margin)
        else:
            assert amount == env.operations.budget_usd


def test_a_folder_without_usage_is_priced_with_the_default_assumptions(fresh_out: Path, tmp_path: Path) -> None:
    stack = tmp_path / "stacks" / "production"
    shutil.copytree(fresh_out / "stacks" / "production", stack)
    (stack / "usage.json").unlink()
    assert estimate_output(tmp_path, "production").total_usd > 0


# --- the CLI ---------------------------------------------------------------------------------


def cost(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["cost", *args])
    return result.exit_code, result.stdout, result.stderr


def test_cost_json_gives_each_environment_its_estimate(catalog: Catalog, fresh_out: Path) -> None:
    code, stdout, _ = cost("--dir", str(fresh_out), "--format", "json")
    assert code == 0
    document = json.loads(stdout)
    assert set(document["environments"]) == {env.name for env in catalog.environments}
    for name, entry in document["environments"].items():
        result = estimate_output(fresh_out, name)
        assert entry["total_usd"] == round(result.total_usd, 2)
        assert entry["fixed_usd"] == round(result.fixed_usd, 2)
        assert len(entry["lines"]) == len(result.lines)
    assert set(document["prices"]) == set(load_prices().prices)


def test_cost_text_shows_fixed_apart_from_usage(catalog: Catalog, fresh_out: Path) -> None:
    env = catalog.environments[0]
    code, stdout, _ = cost("--dir", str(fresh_out), "--env", env.name)
    assert code == 0
    result = estimate_output(fresh_out, env.name)
    assert stdout.startswith(
        f"{env.name}: ${result.total_usd:,.2f} a month: ${result.fixed_usd:,.2f} fixed (no traffic), "
        f"${result.usage_usd:,.2f} usage; budget $"
    )
    assert "  fixed:\n" in stdout
    assert "  usage:\n" in stdout


def test_cost_markdown_sets_the_strategy_beside_each_environment(catalog: Catalog, fresh_out: Path) -> None:
    code, stdout, _ = cost("--dir", str(fresh_out), "--format", "markdown")
    assert code == 0
    header = stdout.splitlines()[0]
    assert (
        header
        == "| Resource | Strategy's usage | Strategy | "
        + " | ".join(sorted(e.name for e in catalog.environments))
        + " |"
    )
    for row in STRATEGY_TABLE:
        assert f"| {row.resource} | {row.usage} |" in stdout


def test_cost_of_an_environment_without_a_stack_is_refused(fresh_out: Path) -> None:
    code, _, stderr = cost("--dir", str(fresh_out), "--env", "nowhere")
    assert code == 2
    assert stderr.startswith("error: --env: 'nowhere' has no stack in")


def test_the_readme_shows_the_committed_estimates() -> None:
    code, stdout, _ = cost("--dir", str(REPO / "generated"), "--format", "markdown")
    assert code == 0
    readme = (REPO / "README.md").read_text()
    begin, end = "<!-- mminfra cost --format markdown -->\n", "<!-- end of mminfra cost -->"
    assert readme[readme.index(begin) + len(begin) : readme.index(end)] == stdout


def test_check_fails_when_a_budget_is_below_the_fixed_cost(fresh_out: Path, tmp_path: Path) -> None:
    out = tmp_path / "generated"
    shutil.copytree(fresh_out / "stacks" / "staging", out / "stacks" / "staging")
    stack = out / "stacks" / "staging" / "cdk.tf.json"
    config = json.loads(stack.read_text())
    config["resource"]["google_billing_budget"]["monthly"]["amount"]["specified_amount"]["units"] = "1"
    stack.write_text(json.dumps(config))
    fixed = estimate_output(out, "staging").fixed_usd
    result = CliRunner().invoke(main, ["check", "--dir", str(out), "--no-checkov"])
    assert result.exit_code == 1
    assert "staging: 1 budget findings" in result.stdout
    assert (
        f"  google_billing_budget.monthly: budget $1 a month is below the fixed monthly cost ${fixed:,.2f}"
        in result.stdout
    )


def test_cost_of_a_stack_with_an_unclassified_type_fails_naming_it(tmp_path: Path) -> None:
    stack = tmp_path / "stacks" / "staging" / "cdk.tf.json"
    stack.parent.mkdir(parents=True)
    stack.write_text(json.dumps({"resource": {"google_compute_instance": {"vm": {}}}}))
    code, _, stderr = cost("--dir", str(tmp_path))
    assert code == 1
    assert stderr.startswith("error: google_compute_instance.vm: resource type google_compute_instance is neither")
