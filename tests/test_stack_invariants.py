"""Policy over whole stacks: what must hold whatever tier adds resources."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from mindmirror_infra.catalog import APPLIER_ACCOUNT_ID, PLANNER_ACCOUNT_ID
from tests.synth import Config, resources

ENVS = ["production", "staging"]
PRIMITIVE_ROLES = {"roles/owner", "roles/editor", "roles/viewer"}
PROJECT_IAM = ("google_project_iam_member", "google_project_iam_binding", "google_project_iam_policy")


def all_resources(config: Config) -> list[tuple[str, str, dict[str, Any]]]:
    return [(kind, name, body) for kind, items in config["resource"].items() for name, body in items.items()]


PIPELINE_ACCOUNTS = (PLANNER_ACCOUNT_ID, APPLIER_ACCOUNT_ID)


@pytest.mark.parametrize("env", ENVS)
def test_every_stateful_resource_is_deletion_protected(stacks: dict[str, Config], env: str) -> None:
    config = stacks[env]
    for instance in resources(config, "google_sql_database_instance").values():
        assert instance["deletion_protection"] is True
        assert instance["settings"]["deletion_protection_enabled"] is True
        assert instance["lifecycle"]["prevent_destroy"] is True
    for database in resources(config, "google_sql_database").values():
        assert database["lifecycle"]["prevent_destroy"] is True
        assert database["deletion_policy"] == "ABANDON"
    for secret in resources(config, "google_secret_manager_secret").values():
        assert secret["deletion_protection"] is True
        assert secret["lifecycle"]["prevent_destroy"] is True
    for bucket in resources(config, "google_storage_bucket").values():
        assert bucket["force_destroy"] is False
        assert bucket["deletion_policy"] == "PREVENT"
        assert bucket["lifecycle"]["prevent_destroy"] is True


@pytest.mark.parametrize("env", ENVS)
def test_no_primitive_role_anywhere(stacks: dict[str, Config], env: str) -> None:
    roles = re.findall(r'"role": "([^"]+)"', json.dumps(stacks[env]))
    assert roles
    assert not PRIMITIVE_ROLES & set(roles)


@pytest.mark.parametrize("env", ENVS)
def test_no_project_level_secret_access_or_acting_as(stacks: dict[str, Config], env: str) -> None:
    for kind in PROJECT_IAM:
        for grant in resources(stacks[env], kind).values():
            assert grant["role"] not in {"roles/secretmanager.secretAccessor", "roles/iam.serviceAccountUser"}
            assert not grant["role"].startswith("roles/secretmanager.")
            assert not grant["role"].startswith("roles/storage.object")


@pytest.mark.parametrize("env", ENVS)
def test_database_access_is_always_limited_to_one_instance(stacks: dict[str, Config], env: str) -> None:
    # The planner and applier manage instances (cloudsql.viewer, cloudsql.admin) and connect to none.
    pipeline = {f"serviceAccount:${{google_service_account.{a.replace('-', '_')}.email}}" for a in PIPELINE_ACCOUNTS}
    for grant in resources(stacks[env], "google_project_iam_member").values():
        if grant["role"].startswith("roles/cloudsql.") and grant["member"] not in pipeline:
            assert grant["role"] == "roles/cloudsql.client"
            assert grant["condition"]["expression"].startswith('resource.name == "projects/')


@pytest.mark.parametrize("env", ENVS)
def test_no_keys_no_passwords_no_public_database(stacks: dict[str, Config], env: str) -> None:
    config = stacks[env]
    assert "google_service_account_key" not in config["resource"]
    assert "google_sql_user" not in config["resource"]
    assert "google_sql_ssl_cert" not in config["resource"]
    assert "root_password" not in json.dumps(config)
    for instance in resources(config, "google_sql_database_instance").values():
        assert instance["settings"]["ip_configuration"]["ipv4_enabled"] is False
        assert "authorized_networks" not in instance["settings"]["ip_configuration"]


@pytest.mark.parametrize("env", ENVS)
def test_every_service_account_is_referenced_by_something(stacks: dict[str, Config], env: str) -> None:
    config = stacks[env]
    others = json.dumps([body for kind, _, body in all_resources(config) if kind != "google_service_account"])
    for name in resources(config, "google_service_account"):
        assert f"${{google_service_account.{name}." in others, f"google_service_account.{name} is unused"


@pytest.mark.parametrize("env", ENVS)
def test_no_default_compute_account_is_used(stacks: dict[str, Config], env: str) -> None:
    assert "-compute@developer.gserviceaccount.com" not in json.dumps(stacks[env])
