"""checkov over every committed stack: no failure but those the skip list explains."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mindmirror_infra import checkov
from mindmirror_infra.errors import InvalidConfig
from tests.conftest import REPO

ENVS = ["production", "staging"]


def report_of(reports: list[checkov.StackReport], env: str) -> checkov.StackReport:
    return next(r for r in reports if r.stack == env)


@pytest.mark.parametrize("env", ENVS)
def test_checkov_finds_nothing_new(checkov_reports: list[checkov.StackReport], env: str) -> None:
    report = report_of(checkov_reports, env)
    assert not report.failed, (
        f"{report.summary()}; fix the output, or add the check id to checkov-skips.toml with why it does not apply:\n"
        + "\n".join(str(finding) for finding in report.failed)
    )


@pytest.mark.parametrize("env", ENVS)
def test_checkov_read_the_whole_stack(checkov_reports: list[checkov.StackReport], env: str) -> None:
    report = report_of(checkov_reports, env)
    assert report.parsing_errors == 0, report.summary()
    assert report.passed > 300, f"{report.summary()}: checkov read fewer resources than the stack holds"


def test_every_skip_still_applies(checkov_reports: list[checkov.StackReport]) -> None:
    skipped = {finding.check_id for report in checkov_reports for finding in report.skipped}
    stale = sorted(set(checkov.load_skips(REPO / checkov.SKIPS_FILE)) - skipped)
    assert not stale, f"checks on the skip list that no longer fail anywhere: {stale}; remove them"


# --- the runner, on checkov's report format, without running checkov -------------

STACK = {
    "terraform": {"required_version": ">= 1.8.0", "backend": {"gcs": {"bucket": "b"}}},
    "resource": {
        "google_compute_global_address": {"private_services": {"name": "a"}},
        "google_service_networking_connection": {"private_services": {"service": "s"}},
    },
    "import": [{"id": "projects/p/secrets/s", "to": "google_secret_manager_secret.s"}],
    "moved": [{"from": "google_compute_global_address.old", "to": "google_compute_global_address.private_services"}],
}


@pytest.fixture
def prepared(tmp_path: Path) -> checkov.Prepared:
    stack = tmp_path / "out" / "stacks" / "production" / "cdk.tf.json"
    stack.parent.mkdir(parents=True)
    stack.write_text(json.dumps(STACK))
    return checkov.prepare(tmp_path / "out", tmp_path / "scan")


def test_copies_lose_only_what_stops_checkov(prepared: checkov.Prepared) -> None:
    copy = json.loads((prepared.root / "production" / "cdk.tf.json").read_text())
    assert copy == {"resource": STACK["resource"], "terraform": {"backend": {"gcs": {"bucket": "b"}}}}


def test_addresses_come_from_the_line_checkov_reports(prepared: checkov.Prepared) -> None:
    lines = prepared.addresses["production"]
    assert sorted(lines.values()) == [
        "google_compute_global_address.private_services",
        "google_service_networking_connection.private_services",
    ]
    second = max(lines)
    output = {
        "summary": {"passed": 3, "failed": 2, "parsing_errors": 0},
        "results": {
            "passed_checks": [{"file_path": "/production/cdk.tf.json"}] * 3,
            "failed_checks": [
                {
                    "check_id": "CKV_GCP_99",
                    "check_name": "Something",
                    "file_path": "/production/cdk.tf.json",
                    "file_line_range": [second, second + 3],
                    "resource": "resource.private_services",
                },
                {
                    "check_id": "CKV_GCP_6",
                    "file_path": "/production/cdk.tf.json",
                    "file_line_range": [1, 2],
                    "resource": "google_x.y",
                },
            ],
        },
    }
    (report,) = checkov.reports(output, prepared, {"CKV_GCP_6": "why"})
    assert report.passed == 3
    assert [str(f) for f in report.failed] == [
        "CKV_GCP_99 on google_service_networking_connection.private_services "
        "in generated/stacks/production/cdk.tf.json: Something"
    ]
    assert [f.address for f in report.skipped] == ["google_x.y"]


TABLE = {
    "resource": {
        "google_project_iam_member": {
            "grants": {
                "for_each": {
                    "api/roles/logging.logWriter": {
                        "member": "serviceAccount:a@p",
                        "role": "roles/logging.logWriter",
                    },
                    "ci/roles/owner": {"member": "serviceAccount:ci@p", "role": "roles/owner"},
                },
                "member": "${each.value.member}",
                "project": "p",
                "role": "${each.value.role}",
            }
        }
    }
}


def test_each_instance_of_a_table_is_a_resource_checkov_reports_by_its_instance_address(tmp_path: Path) -> None:
    stack = tmp_path / "out" / "stacks" / "production" / "cdk.tf.json"
    stack.parent.mkdir(parents=True)
    stack.write_text(json.dumps(TABLE))
    prepared = checkov.prepare(tmp_path / "out", tmp_path / "scan")
    copy = json.loads((prepared.root / "production" / "cdk.tf.json").read_text())
    assert copy["resource"]["google_project_iam_member"] == {
        "grants__0": {"member": "serviceAccount:a@p", "project": "p", "role": "roles/logging.logWriter"},
        "grants__1": {"member": "serviceAccount:ci@p", "project": "p", "role": "roles/owner"},
    }
    owner_line = max(prepared.addresses["production"])
    output = {
        "summary": {"passed": 0, "failed": 1, "parsing_errors": 0},
        "results": {
            "failed_checks": [
                {
                    "check_id": "CKV_GCP_117",
                    "check_name": "basic roles",
                    "file_path": "/production/cdk.tf.json",
                    "file_line_range": [owner_line, owner_line + 4],
                    "resource": "google_project_iam_member.grants__1",
                }
            ]
        },
    }
    (report,) = checkov.reports(output, prepared, {})
    assert [f.address for f in report.failed] == ['google_project_iam_member.grants["ci/roles/owner"]']


def test_a_parsing_error_is_a_failure_even_with_nothing_failed(prepared: checkov.Prepared) -> None:
    # What checkov prints, with exit code 0, for a stack it cannot parse.
    output = {"results": {"failed_checks": []}, "summary": {"passed": 0, "failed": 0, "parsing_errors": 1}}
    (report,) = checkov.reports(output, prepared, {})
    assert report.parsing_errors == 1
    assert (report.passed, report.failed) == (0, [])


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ('[skip]\nCKV_GCP_6 = ""\n', "skip.CKV_GCP_6"),
        ('[skip]\nCKV_GCP_6 = "two\\nlines"\n', "skip.CKV_GCP_6"),
        ('[skip]\nGCP_6 = "a reason"\n', "skip.GCP_6"),
    ],
)
def test_a_skip_needs_a_check_id_and_a_one_line_reason(tmp_path: Path, text: str, field: str) -> None:
    path = tmp_path / "skips.toml"
    path.write_text(text)
    with pytest.raises(InvalidConfig) as caught:
        checkov.load_skips(path)
    assert caught.value.field == f"{path}: {field}"


def test_the_committed_skip_list_is_valid() -> None:
    skips = checkov.load_skips(REPO / checkov.SKIPS_FILE)
    assert skips, "an empty skip list needs no file"
