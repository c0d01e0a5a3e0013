"""GitHub Workload Identity: one repository's workflows, and only they, may act as one account."""

from __future__ import annotations

from typing import Any

import pytest
from cdktn import TerraformStack

from mindmirror_infra.constructs.service_account import ServiceAccount, ServiceAccountProps
from mindmirror_infra.constructs.workload_identity import (
    GitHubWorkloadIdentity,
    GitHubWorkloadIdentityProps,
    attribute_condition,
)
from mindmirror_infra.errors import InvalidConfig
from tests.construct_synth import synth_in_stack
from tests.synth import Config, resources

PROPS = GitHubWorkloadIdentityProps(
    project_id="acme-prod",
    repository="acme/shop",
    repository_id=41,
    owner_id=7,
    environment="production",
    refs=("refs/heads/main", "refs/tags/v*"),
)


def build(stack: TerraformStack) -> None:
    deployer = ServiceAccount(stack, "deployer", ServiceAccountProps(project_id="acme-prod", account_id="ci-deployer"))
    GitHubWorkloadIdentity(stack, "github", PROPS).allow_impersonation(deployer)


@pytest.fixture(scope="module")
def config() -> Config:
    return synth_in_stack(build)


def test_pool_and_provider_trust_github_tokens_of_one_repository_environment_and_refs(config: Config) -> None:
    pool = resources(config, "google_iam_workload_identity_pool")["github"]
    assert (pool["workload_identity_pool_id"], pool["project"]) == ("github", "acme-prod")
    provider = resources(config, "google_iam_workload_identity_pool_provider")["github_actions"]
    assert (
        provider["workload_identity_pool_id"] == "${google_iam_workload_identity_pool.github.workload_identity_pool_id}"
    )
    assert provider["workload_identity_pool_provider_id"] == "github-actions"
    assert provider["oidc"] == {"issuer_uri": "https://token.actions.githubusercontent.com"}
    assert provider["attribute_condition"] == (
        'assertion.repository_id == "41" && assertion.repository_owner_id == "7"'
        ' && assertion.sub == "repo:acme/shop:environment:production"'
        ' && (assertion.ref == "refs/heads/main" || assertion.ref.startsWith("refs/tags/v"))'
    )
    assert provider["attribute_mapping"]["google.subject"] == "assertion.sub"
    assert provider["attribute_mapping"]["attribute.repository_id"] == "assertion.repository_id"


def test_one_ref_needs_no_parentheses() -> None:
    props = GitHubWorkloadIdentityProps(**{**PROPS.__dict__, "environment": "staging", "refs": ("refs/heads/staging",)})
    assert attribute_condition(props).endswith(
        ' && assertion.sub == "repo:acme/shop:environment:staging" && assertion.ref == "refs/heads/staging"'
    )


def test_only_the_repository_principal_set_by_id_may_impersonate_the_account(config: Config) -> None:
    grants: dict[str, Any] = resources(config, "google_service_account_iam_member")
    assert list(grants) == ["ci_deployer_workload_identity_user"]
    grant = grants["ci_deployer_workload_identity_user"]
    assert grant["role"] == "roles/iam.workloadIdentityUser"
    assert grant["service_account_id"] == "${google_service_account.ci_deployer.name}"
    assert grant["member"] == (
        "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}/attribute.repository_id/41"
    )


def test_no_key_is_created(config: Config) -> None:
    assert "google_service_account_key" not in config["resource"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"repository": "acme"}, "repository"),
        ({"repository": "acme/shop/extra"}, "repository"),
        ({"pool_id": "gcp-github"}, "pool_id"),
        ({"pool_id": "gh"}, "pool_id"),
        ({"provider_id": "GitHub"}, "provider_id"),
        ({"repository_id": 0}, "repository_id"),
        ({"owner_id": "7"}, "owner_id"),
        ({"environment": 'prod" || true'}, "environment"),
        ({"refs": ()}, "refs"),
        ({"refs": "refs/heads/main"}, "refs"),
        ({"refs": ("refs/heads/*",)}, "refs"),
        ({"refs": ("main",)}, "refs"),
        ({"refs": ('refs/heads/main" || true',)}, "refs"),
    ],
)
def test_bad_props_are_refused(changes: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidConfig) as caught:
        GitHubWorkloadIdentityProps(**{**PROPS.__dict__, **changes})
    assert caught.value.field == f"GitHubWorkloadIdentityProps.{field}"
