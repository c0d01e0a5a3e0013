"""Service accounts and secrets: grants at the narrowest scope, refused when too wide."""

from __future__ import annotations

import pytest
from cdktn import TerraformStack

from mindmirror_infra.constructs.secret import Secret, SecretProps
from mindmirror_infra.constructs.service_account import IamCondition, ServiceAccount, ServiceAccountProps
from mindmirror_infra.errors import InvalidConfig
from tests.construct_synth import synth_in_stack
from tests.synth import Config, resources


def account(stack: TerraformStack, account_id: str) -> ServiceAccount:
    return ServiceAccount(stack, account_id, ServiceAccountProps(project_id="acme-prod", account_id=account_id))


def build(stack: TerraformStack) -> None:
    api, deployer = account(stack, "orders-api"), account(stack, "ci-deployer")
    assert api.grant_project_role("roles/logging.logWriter") is api.grant_project_role("roles/logging.logWriter")
    api.grant_project_role("roles/cloudsql.client", IamCondition("one", "One", 'resource.name == "x"'))
    assert api.grant_act_as(deployer) is api.grant_act_as(deployer)
    secret = Secret(stack, "secret", SecretProps(project_id="acme-prod", secret_id="api-key"))
    Secret(stack, "other", SecretProps(project_id="acme-prod", secret_id="other-key"))
    assert secret.grant_read(api) is secret.grant_read(api)


@pytest.fixture(scope="module")
def config() -> Config:
    return synth_in_stack(build)


def test_project_roles_are_rows_of_a_table_and_conditioned_ones_of_another(config: Config) -> None:
    grants = resources(config, "google_project_iam_member")
    assert sorted(grants) == [
        'conditioned_grants["orders-api/roles/cloudsql.client/one"]',
        'grants["orders-api/roles/logging.logWriter"]',
    ]
    assert grants['grants["orders-api/roles/logging.logWriter"]'] == {
        "project": "acme-prod",
        "role": "roles/logging.logWriter",
        "member": "serviceAccount:${google_service_account.orders_api.email}",
    }
    assert grants['conditioned_grants["orders-api/roles/cloudsql.client/one"]']["condition"] == {
        "title": "One",
        "expression": 'resource.name == "x"',
    }


def test_grants_carry_no_moved_block(config: Config) -> None:
    # No grant was ever applied as a resource of its own: docs/decisions/0012-address-baseline.md.
    assert "moved" not in config


def test_act_as_is_service_account_user_on_that_account_only(config: Config) -> None:
    grants = resources(config, "google_service_account_iam_member")
    assert {name: {k: v for k, v in grant.items() if k != "//"} for name, grant in grants.items()} == {
        'grants["orders-api/ci-deployer"]': {
            "service_account_id": "projects/acme-prod/serviceAccounts/${google_service_account.orders_api.email}",
            "role": "roles/iam.serviceAccountUser",
            "member": "serviceAccount:${google_service_account.ci_deployer.email}",
        }
    }


def test_secret_grant_is_accessor_on_one_secret(config: Config) -> None:
    grants = resources(config, "google_secret_manager_secret_iam_member")
    assert list(grants) == ['grants["api-key/orders-api"]']
    grant = grants['grants["api-key/orders-api"]']
    assert grant["secret_id"] == "${google_secret_manager_secret.api_key.secret_id}"
    assert grant["role"] == "roles/secretmanager.secretAccessor"
    assert grant["member"] == "serviceAccount:${google_service_account.orders_api.email}"


def test_a_table_is_one_resource_with_a_literal_map_of_its_rows(config: Config) -> None:
    table = config["resource"]["google_secret_manager_secret_iam_member"]["grants"]
    assert {k: v for k, v in table.items() if k != "//"} == {
        "for_each": {
            "api-key/orders-api": {
                "member": "serviceAccount:${google_service_account.orders_api.email}",
                "project": "acme-prod",
                "secret_id": "${google_secret_manager_secret.api_key.secret_id}",
            }
        },
        "member": "${each.value.member}",
        "project": "${each.value.project}",
        "role": "roles/secretmanager.secretAccessor",
        "secret_id": "${each.value.secret_id}",
    }


def test_secrets_replicate_automatically_and_hold_no_version(config: Config) -> None:
    secrets = resources(config, "google_secret_manager_secret")
    assert sorted(secrets) == ["api_key", "other_key"]
    for secret in secrets.values():
        assert secret["replication"] == {"auto": {}}
        assert secret["deletion_protection"] is True
        assert secret["lifecycle"] == {"prevent_destroy": True}
    assert "google_secret_manager_secret_version" not in config["resource"]


@pytest.mark.parametrize(
    ("role", "allowed"),
    [
        ("roles/owner", "basic roles are never granted"),
        ("roles/editor", "basic roles are never granted"),
        ("roles/viewer", "basic roles are never granted"),
        ("roles/secretmanager.secretAccessor", "grant this one on the resource itself"),
        ("roles/storage.objectViewer", "grant this one on the resource itself"),
        ("roles/iam.serviceAccountUser", "grant this one on the resource itself"),
        ("logging.logWriter", "predefined role"),
    ],
)
def test_wide_project_roles_are_refused(role: str, allowed: str) -> None:
    def grant(stack: TerraformStack) -> None:
        account(stack, "orders-api").grant_project_role(role)

    with pytest.raises(InvalidConfig) as caught:
        synth_in_stack(grant)
    assert caught.value.field == "orders-api.project_roles"
    assert caught.value.value == role
    assert allowed in caught.value.allowed
