"""Who may do what in each environment: accounts, their roles, secrets and the CI deployer."""

from __future__ import annotations

import pytest

from mindmirror_infra.catalog import Catalog
from mindmirror_infra.catalog.mindmirror import mindmirror
from tests.synth import Config, resources

ENVS = ["production", "staging"]
SERVICES = [
    "agent-service",
    "journal-service",
    "habits-service",
    "meals-service",
    "movements-service",
    "practices-service",
    "users-service",
    "mesh-gateway",
    "web-app",
    "celery-worker",
]
REDIS_USERS = [s.name for s in mindmirror().services if s.redis]
JOBS = ["migrate-main", "migrate-movements", "migrate-practices", "migrate-users"]
# Which instance each workload connects to: written out here, not derived from the catalog.
INSTANCE_OF = {
    "agent-service": "main-db",
    "journal-service": "main-db",
    "habits-service": "main-db",
    "meals-service": "main-db",
    "movements-service": "movements-db",
    "practices-service": "practices-db",
    "users-service": "users-db",
    "celery-worker": "main-db",
    "migrate-main": "main-db",
    "migrate-movements": "movements-db",
    "migrate-practices": "practices-db",
    "migrate-users": "users-db",
}
DOCUMENT_READERS = ["agent-service", "journal-service"]
SECRETS = [
    "database-url",
    "movements-database-url",
    "practices-database-url",
    "users-database-url",
    "jwt-secret",
    "openai-api-key",
    "qdrant-api-key",
    "supabase-service-role-key",
    "environment",
]


def ref(account: str, attribute: str = "member") -> str:
    """A reference to an account's attribute; its IAM member is built on the email."""
    reference = (
        f"${{google_service_account.{account.replace('-', '_')}.{'email' if attribute == 'member' else attribute}}}"
    )
    return f"serviceAccount:{reference}" if attribute == "member" else reference


def expected_project_roles(project: str) -> set[tuple[str, str, str]]:
    """(member, role, condition expression or '') of every project-level grant."""
    grants: set[tuple[str, str, str]] = set()
    for name in SERVICES:
        for role in ("roles/logging.logWriter", "roles/monitoring.metricWriter", "roles/cloudtrace.agent"):
            grants.add((ref(name), role, ""))
    for name in JOBS:
        for role in ("roles/logging.logWriter", "roles/monitoring.metricWriter"):
            grants.add((ref(name), role, ""))
    for name, instance in INSTANCE_OF.items():
        condition = (
            f'resource.name == "projects/{project}/instances/{instance}" '
            '&& resource.type == "sqladmin.googleapis.com/Instance"'
        )
        grants.add((ref(name), "roles/cloudsql.client", condition))
    cache = f'resource.name == "projects/{project}/locations/us-central1/instances/mindmirror-cache"'
    for name in REDIS_USERS:
        grants.add((ref(name), "roles/memorystore.dbConnectionUser", cache))
    return grants


@pytest.mark.parametrize("env", ENVS)
def test_one_account_per_service_and_job_plus_the_deployer(stacks: dict[str, Config], env: str) -> None:
    accounts = resources(stacks[env], "google_service_account")
    assert sorted(a["account_id"] for a in accounts.values()) == sorted([*SERVICES, *JOBS, "github-deployer"])
    assert set(accounts) == {a["account_id"].replace("-", "_") for a in accounts.values()}


@pytest.mark.parametrize(("env", "project"), [("production", "mindmirror-prod"), ("staging", "mindmirror-staging")])
def test_project_roles_are_exactly_what_each_workload_uses(stacks: dict[str, Config], env: str, project: str) -> None:
    grants = resources(stacks[env], "google_project_iam_member")
    actual = [(g["member"], g["role"], g.get("condition", {}).get("expression", "")) for g in grants.values()]
    assert len(actual) == len(set(actual))
    assert set(actual) == expected_project_roles(project)
    assert {g["project"] for g in grants.values()} == {project}


@pytest.mark.parametrize("env", ENVS)
def test_documents_are_read_at_bucket_level_by_the_services_that_need_them(stacks: dict[str, Config], env: str) -> None:
    grants = resources(stacks[env], "google_storage_bucket_iam_member")
    assert sorted((g["member"], g["role"], g["bucket"]) for g in grants.values()) == sorted(
        (ref(name), "roles/storage.objectViewer", "${google_storage_bucket.documents.name}")
        for name in DOCUMENT_READERS
    )


@pytest.mark.parametrize("env", ENVS)
def test_secrets_are_containers_with_automatic_replication_and_no_versions(stacks: dict[str, Config], env: str) -> None:
    secrets = resources(stacks[env], "google_secret_manager_secret")
    assert sorted(s["secret_id"] for s in secrets.values()) == sorted(SECRETS)
    for secret in secrets.values():
        assert secret["replication"] == {"auto": {}}
        assert secret["deletion_protection"] is True
        assert secret["lifecycle"] == {"prevent_destroy": True}
    assert resources(stacks[env], "google_secret_manager_secret_version") == {}
    assert "secret_data" not in str(stacks[env])


@pytest.mark.parametrize("env", ENVS)
def test_secret_access_is_only_ever_per_secret(stacks: dict[str, Config], env: str) -> None:
    for grant in resources(stacks[env], "google_secret_manager_secret_iam_member").values():
        assert grant["role"] == "roles/secretmanager.secretAccessor"
        assert grant["secret_id"].startswith("${google_secret_manager_secret.")


@pytest.mark.parametrize("env", ENVS)
def test_github_provider_admits_only_the_catalog_repository_environment_and_refs(
    stacks: dict[str, Config], env: str, catalog: Catalog
) -> None:
    environment = next(e for e in catalog.environments if e.name == env)
    repository = environment.github_repository
    pools = resources(stacks[env], "google_iam_workload_identity_pool")
    assert list(pools) == ["github"]
    providers = resources(stacks[env], "google_iam_workload_identity_pool_provider")
    assert list(providers) == ["github_actions"]
    provider = providers["github_actions"]
    assert provider["oidc"] == {"issuer_uri": "https://token.actions.githubusercontent.com"}
    condition = provider["attribute_condition"]
    assert condition.startswith(
        f'assertion.repository_id == "{repository.id}" && assertion.repository_owner_id == "{repository.owner_id}"'
        f' && assertion.sub == "repo:{repository.name}:environment:{environment.github_environment}" && '
    )
    for ref in environment.deploy_refs:
        assert (f'startsWith("{ref[:-1]}")' if ref.endswith("*") else f'== "{ref}"') in condition
    assert condition.count("assertion.ref") == len(environment.deploy_refs)
    assert provider["attribute_mapping"]["attribute.repository_id"] == "assertion.repository_id"


@pytest.mark.parametrize(("env", "project"), [("production", "mindmirror-prod"), ("staging", "mindmirror-staging")])
def test_deployer_is_impersonated_by_the_repository_and_acts_as_runtime_accounts_only(
    stacks: dict[str, Config], env: str, project: str, catalog: Catalog
) -> None:
    repository = next(e for e in catalog.environments if e.name == env).github_repository
    grants = resources(stacks[env], "google_service_account_iam_member")
    impersonation = grants.pop("github_deployer_workload_identity_user")
    assert impersonation == {
        "//": impersonation["//"],
        "service_account_id": ref("github-deployer", "name"),
        "role": "roles/iam.workloadIdentityUser",
        "member": "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}"
        f"/attribute.repository_id/{repository.id}",
    }
    assert sorted((g["service_account_id"], g["role"], g["member"]) for g in grants.values()) == sorted(
        (
            f"projects/{project}/serviceAccounts/{ref(name, 'email')}",
            "roles/iam.serviceAccountUser",
            ref("github-deployer"),
        )
        for name in [*SERVICES, *JOBS]
    )


@pytest.mark.parametrize("env", ENVS)
def test_workflow_names_are_outputs(stacks: dict[str, Config], env: str) -> None:
    workflow = {k: v for k, v in stacks[env]["output"].items() if not k.endswith("_url")}
    assert workflow == {
        "deployer_email": {"value": ref("github-deployer", "email")},
        "workload_identity_provider": {"value": "${google_iam_workload_identity_pool_provider.github_actions.name}"},
    }
