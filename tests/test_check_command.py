"""`mminfra check`: the invariants, then checkov, over a synthesized folder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from mindmirror_infra.cli import main
from tests.conftest import REPO

FAKE_CHECKOV = REPO / "tests" / "fakes" / "checkov"


def check(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["check", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_the_committed_output_keeps_every_invariant() -> None:
    code, stdout, _ = check("--dir", str(REPO / "generated"), "--no-checkov")
    assert code == 0
    assert stdout.splitlines() == [
        "production: 0 invariant violations",
        "staging: 0 invariant violations",
        "production: 0 budget findings",
        "staging: 0 budget findings",
    ]


def test_a_violation_is_printed_with_its_address_and_fails(tmp_path: Path) -> None:
    stack = tmp_path / "stacks" / "staging" / "cdk.tf.json"
    stack.parent.mkdir(parents=True)
    stack.write_text(json.dumps({"resource": {"google_service_account_key": {"ci": {}}}}))
    code, stdout, _ = check("--dir", str(tmp_path), "--no-checkov")
    assert code == 1
    assert "  no-service-account-keys: google_service_account_key.ci: creates a service account key" in stdout


def test_checkov_findings_outside_the_skip_list_fail(tmp_path: Path) -> None:
    out = tmp_path / "generated"
    shutil.copytree(REPO / "generated" / "stacks" / "staging", out / "stacks" / "staging")
    report = tmp_path / "report.json"
    failed = {"check_id": "CKV_GCP_99", "check_name": "Something", "file_path": "/staging/cdk.tf.json"}
    report.write_text(json.dumps({"summary": {"parsing_errors": 0}, "results": {"failed_checks": [failed]}}))
    env = {"CHECKOV": str(FAKE_CHECKOV), "FAKE_CHECKOV_REPORT": str(report)}
    code, stdout, _ = check("--dir", str(out), "--skips", str(REPO / "checkov-skips.toml"), env=env)
    assert code == 1
    assert "checkov staging: 0 passed, 1 failed, 0 skipped" in stdout
    assert "  CKV_GCP_99 on " in stdout


def test_a_folder_without_stacks_is_refused(tmp_path: Path) -> None:
    code, _, stderr = check("--dir", str(tmp_path), "--no-checkov")
    assert code == 2
    assert stderr.startswith(f"error: --dir: '{tmp_path}' holds no stacks")
