"""This project's workflow plans as a read-only planner and applies as an applier, each trusted by one subject."""

from __future__ import annotations

import re
from typing import Any

import pytest

from mindmirror_infra import checkov
from mindmirror_infra.catalog import APPLIER_ACCOUNT_ID, PLANNER_ACCOUNT_ID, Catalog, Environment
from mindmirror_infra.constructs.service_account import ACT_AS_ROLE
from mindmirror_infra.invariants import PRIMITIVE_ROLES, violations
from mindmirror_infra.stacks.infrastructure_access import (
    NEEDS,
    POOL_ID,
    SECRET_APPLIER_ROLE,
    SECRET_PLANNER_ROLE,
    STATE_APPLIER_ROLE,
    STATE_PLANNER_ROLE,
    covered_types,
)
from tests.synth import Config

# Predefined roles that only read: their names say so.
READ_ONLY = re.compile(r"^roles/([a-z]+\.)?([a-zA-Z]*(viewer|Viewer|reader|Reviewer)|browser)$")


def ref(account_id: str, attribute: str) -> str:
    return f"${{google_service_account.{account_id.replace('-', '_')}.{attribute}}}"


def member(account_id: str) -> str:
    return f"serviceAccount:{ref(account_id, 'email')}"


def types_of(config: Config) -> set[str]:
    return set(config["resource"]) | {f"data.{kind}" for kind in config.get("data", {})}


def project_roles(config: Config, account_id: str) -> dict[str, dict[str, Any]]:
    rows = config["resource"]["google_project_iam_member"]["grants"]["for_each"]
    return {key.split("/", 1)[1]: row for key, row in rows.items() if key.startswith(f"{account_id}/")}


@pytest.fixture(params=["production", "staging"])
def env(request: pytest.FixtureRequest, catalog: Catalog) -> Environment:
    return next(e for e in catalog.environments if e.name == request.param)


def test_each_account_holds_the_roles_of_the_types_its_stack_holds(env: Environment, stacks: dict[str, Config]) -> None:
    config = stacks[env.name]
    present = types_of(config)
    for account_id, side in ((PLANNER_ACCOUNT_ID, "planner"), (APPLIER_ACCOUNT_ID, "applier")):
        expected = {role for need in NEEDS if present & set(need.types) for role in getattr(need, side)}
        assert expected
        assert project_roles(config, account_id) == {
            role: {"project": env.project_id, "role": role, "member": member(account_id)} for role in expected
        }


def test_every_type_of_every_stack_has_a_reason_for_both_accounts(stacks: dict[str, Config]) -> None:
    for config in stacks.values():
        assert types_of(config) - covered_types() == set()


def test_the_planner_only_reads() -> None:
    planner_roles = {role for need in NEEDS for role in need.planner} | {SECRET_PLANNER_ROLE, STATE_PLANNER_ROLE}
    assert [role for role in planner_roles if not READ_ONLY.fullmatch(role)] == []
    every_role = planner_roles | {role for need in NEEDS for role in need.applier}
    assert every_role.isdisjoint(PRIMITIVE_ROLES)
    assert all(need.why for need in NEEDS)


def test_the_stacks_keep_every_invariant(stacks: dict[str, Config]) -> None:
    for config in stacks.values():
        assert violations(config) == []


def test_one_provider_admits_pull_requests_and_main_in_the_environment_of_one_repository_by_id(
    env: Environment, stacks: dict[str, Config]
) -> None:
    repository = env.infrastructure_repository
    provider = stacks[env.name]["resource"]["google_iam_workload_identity_pool_provider"]["infrastructure"]
    assert provider["workload_identity_pool_id"] == (
        f"${{google_iam_workload_identity_pool.{POOL_ID.replace('-', '_')}.workload_identity_pool_id}}"
    )
    assert provider["attribute_condition"] == (
        f'assertion.repository_id == "{repository.id}" && assertion.repository_owner_id == "{repository.owner_id}"'
        f' && ((assertion.sub == "repo:{repository.name}:environment:{env.github_environment}"'
        ' && assertion.ref == "refs/heads/main")'
        f' || (assertion.sub == "repo:{repository.name}:pull_request"'
        ' && assertion.ref.startsWith("refs/pull/") && assertion.ref.endsWith("/merge")))'
    )


def test_pull_requests_act_as_the_planner_and_main_as_the_applier_by_subject(
    env: Environment, stacks: dict[str, Config]
) -> None:
    grants = stacks[env.name]["resource"]["google_service_account_iam_member"]
    pool = f"principal://iam.googleapis.com/${{google_iam_workload_identity_pool.{POOL_ID.replace('-', '_')}.name}}"
    name = env.infrastructure_repository.name
    subjects = {
        PLANNER_ACCOUNT_ID: f"repo:{name}:pull_request",
        APPLIER_ACCOUNT_ID: f"repo:{name}:environment:{env.github_environment}",
    }
    for account_id, subject in subjects.items():
        grant = grants[f"{account_id.replace('-', '_')}_workload_identity_user"]
        assert {key: grant[key] for key in ("member", "role", "service_account_id")} == {
            "member": f"{pool}/subject/{subject}",
            "role": "roles/iam.workloadIdentityUser",
            "service_account_id": ref(account_id, "name"),
        }
    impersonated = [g["service_account_id"] for g in grants.values() if g.get("member", "").startswith(pool)]
    assert sorted(impersonated) == sorted(ref(a, "name") for a in subjects)


def test_each_account_reaches_its_environment_state_only(
    catalog: Catalog, env: Environment, stacks: dict[str, Config]
) -> None:
    grants = stacks[env.name]["resource"]["google_storage_bucket_iam_member"]
    objects = f"projects/_/buckets/{catalog.state_bucket}/objects/{env.state_prefix}/"
    for account_id, role in ((PLANNER_ACCOUNT_ID, STATE_PLANNER_ROLE), (APPLIER_ACCOUNT_ID, STATE_APPLIER_ROLE)):
        grant = grants[f"{account_id.replace('-', '_')}_state"]
        assert {key: value for key, value in grant.items() if key != "//"} == {
            "bucket": catalog.state_bucket,
            "role": role,
            "member": member(account_id),
            "condition": {
                "title": f"{env.name} state only",
                "expression": 'resource.type == "storage.googleapis.com/Bucket"'
                f' || resource.name.startsWith("{objects}")',
            },
        }


def test_secret_roles_are_granted_per_secret(catalog: Catalog, env: Environment, stacks: dict[str, Config]) -> None:
    rows = stacks[env.name]["resource"]["google_secret_manager_secret_iam_member"]["role_grants"]["for_each"]
    assert rows == {
        f"{secret.id}/{role}/{account_id}": {
            "project": env.project_id,
            "secret_id": f"${{google_secret_manager_secret.{secret.id.replace('-', '_')}.secret_id}}",
            "role": role,
            "member": member(account_id),
        }
        for secret in catalog.secrets
        for account_id, role in ((PLANNER_ACCOUNT_ID, SECRET_PLANNER_ROLE), (APPLIER_ACCOUNT_ID, SECRET_APPLIER_ROLE))
    }


def test_the_applier_acts_as_each_runtime_account_and_the_planner_as_none(
    catalog: Catalog, env: Environment, stacks: dict[str, Config]
) -> None:
    table = stacks[env.name]["resource"]["google_service_account_iam_member"]["grants"]
    assert table["role"] == ACT_AS_ROLE
    users = {key.split("/")[1] for key in table["for_each"]}
    assert PLANNER_ACCOUNT_ID not in users
    runtime = {s.name for s in catalog.services} | {j.name for j in catalog.migration_jobs}
    assert {key.split("/")[0] for key in table["for_each"] if key.endswith(f"/{APPLIER_ACCOUNT_ID}")} == runtime


def test_the_workflow_variables_are_outputs(env: Environment, stacks: dict[str, Config]) -> None:
    outputs = stacks[env.name]["output"]
    assert {name: outputs[name]["value"] for name in ("planner_email", "applier_email")} == {
        "planner_email": ref(PLANNER_ACCOUNT_ID, "email"),
        "applier_email": ref(APPLIER_ACCOUNT_ID, "email"),
    }
    assert outputs["infrastructure_workload_identity_provider"]["value"] == (
        "${google_iam_workload_identity_pool_provider.infrastructure.name}"
    )


def test_only_the_applier_manages_service_accounts_on_the_project(checkov_reports: list[checkov.StackReport]) -> None:
    for report in checkov_reports:
        found = [f.address for f in report.skipped if f.check_id == "CKV_GCP_49"]
        assert found == [f'google_project_iam_member.grants["{APPLIER_ACCOUNT_ID}/roles/iam.serviceAccountAdmin"]']
