"""checkov (DESIGN D9) on the data and identity resources: every finding is a known, explained one."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.synth import Config

# The resource types of the data and identity tier.
TIER_TYPES = (
    "google_sql_database_instance",
    "google_sql_database",
    "google_storage_bucket",
    "google_storage_bucket_iam_member",
    "google_secret_manager_secret",
    "google_service_account",
    "google_service_account_iam_member",
    "google_project_iam_member",
    "google_iam_workload_identity_pool",
    "google_iam_workload_identity_pool_provider",
)
# Findings accepted on purpose, each with its reason.
ACCEPTED = {
    # checkov 3.1 reads `require_ssl`, which provider 6.0 removed; `ssl_mode =
    # "ENCRYPTED_ONLY"` is what requires SSL now (tested in test_cloud_sql.py).
    "CKV_GCP_6",
    # log_hostname and log_duration: see LOGGING_FLAGS in constructs/cloud_sql.py.
    "CKV_GCP_108",
    "CKV2_GCP_13",
    # Access logs need a second bucket; Cloud Audit Logs record data access instead.
    "CKV_GCP_62",
}


def without_metadata(value: Any) -> Any:
    """checkov skips a tf.json whose blocks carry cdktn's "//" metadata."""
    if isinstance(value, dict):
        return {k: without_metadata(v) for k, v in value.items() if k != "//"}
    if isinstance(value, list):
        return [without_metadata(v) for v in value]
    return value


@pytest.fixture(scope="module")
def findings(production: Config, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    folder = tmp_path_factory.mktemp("checkov")
    config = {k: v for k, v in production.items() if k in ("resource", "provider")}
    (folder / "main.tf.json").write_text(json.dumps(without_metadata(config)))
    checkov = Path(sys.executable).parent / "checkov"
    result = subprocess.run(
        [str(checkov), "-d", str(folder), "--framework", "terraform_json", "-o", "json"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "BC_SKIP_MAPPING": "TRUE"},  # no network: skip the online guideline lookup
    )
    report = json.loads(result.stdout)
    assert report["summary"]["passed"] > 0, result.stderr[-2000:]
    failed: list[dict[str, Any]] = report["results"]["failed_checks"]
    return failed


def test_tier_resources_pass_checkov_but_for_accepted_findings(
    production: Config, findings: list[dict[str, Any]]
) -> None:
    # checkov names some resources "resource.<name>", so match on the name.
    names = {name for kind in TIER_TYPES for name in production["resource"].get(kind, {})}
    tier = [f for f in findings if f["resource"].rsplit(".", 1)[-1] in names]
    assert {f["check_id"] for f in tier} >= {"CKV_GCP_6"}  # the scan saw the instances
    unexpected = sorted(
        {(f["check_id"], f["resource"], f["check_name"]) for f in tier if f["check_id"] not in ACCEPTED}
    )
    assert not unexpected
