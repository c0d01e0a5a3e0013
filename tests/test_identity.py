"""Who may do what in each environment: accounts, their roles, secrets and the CI deployer."""

from __future__ import annotations

from mindmirror_infra.catalog import APPLIER_ACCOUNT_ID, DEPLOYER_ACCOUNT_ID, PLANNER_ACCOUNT_ID, Catalog, Environment
from tests.conftest import System
from tests.synth import Config, resources


def accounts(catalog: Catalog) -> list[str]:
    """The runtime accounts: one per service and one per migration job."""
    return [s.name for s in catalog.services] + [j.name for j in catalog.migration_jobs]


def instance_of(catalog: Catalog) -> dict[str, str]:
    """Which instance each workload connects to."""
    found = {s.name: s.database for s in catalog.services if s.database is not None}
    return found | {j.name: j.database.instance for j in catalog.migration_jobs}


def ref(account: str, attribute: str = "member") -> str:
    """A reference to an account's attribute; its IAM member is built on the email."""
    reference = (
        f"${{google_service_account.{account.replace('-', '_')}.{'email' if attribute == 'member' else attribute}}}"
    )
    return f"serviceAccount:{reference}" if attribute == "member" else reference


def pipeline_members() -> set[str]:
    """The planner and applier, whose grants tests/test_infrastructure_access.py checks."""
    return {ref(PLANNER_ACCOUNT_ID), ref(APPLIER_ACCOUNT_ID)}


def expected_project_roles(catalog: Catalog, env: Environment) -> set[tuple[str, str, str]]:
    """(member, role, condition expression or '') of every project-level grant."""
    project = env.project_id
    grants: set[tuple[str, str, str]] = set()
    for service in catalog.services:
        for role in ("roles/logging.logWriter", "roles/monitoring.metricWriter", "roles/cloudtrace.agent"):
            grants.add((ref(service.name), role, ""))
    for job in catalog.migration_jobs:
        for role in ("roles/logging.logWriter", "roles/monitoring.metricWriter"):
            grants.add((ref(job.name), role, ""))
    for name, instance in instance_of(catalog).items():
        condition = (
            f'resource.name == "projects/{project}/instances/{instance}" '
            '&& resource.type == "sqladmin.googleapis.com/Instance"'
        )
        grants.add((ref(name), "roles/cloudsql.client", condition))
    cache = f'resource.name == "projects/{project}/locations/{env.region}/instances/{env.redis.instance_id}"'
    for service in catalog.redis_users:
        grants.add((ref(service.name), "roles/memorystore.dbConnectionUser", cache))
    return grants


def test_one_account_per_service_and_job_plus_the_deployer_planner_and_applier(system: System) -> None:
    for config in system.stacks.values():
        found = resources(config, "google_service_account")
        assert sorted(a["account_id"] for a in found.values()) == sorted(
            [*accounts(system.catalog), DEPLOYER_ACCOUNT_ID, PLANNER_ACCOUNT_ID, APPLIER_ACCOUNT_ID]
        )
        assert set(found) == {a["account_id"].replace("-", "_") for a in found.values()}


def test_project_roles_are_exactly_what_each_workload_uses(system: System) -> None:
    for env in system.catalog.environments:
        grants = resources(system.stacks[env.name], "google_project_iam_member")
        actual = [
            (g["member"], g["role"], g.get("condition", {}).get("expression", ""))
            for g in grants.values()
            if g["member"] not in pipeline_members()
        ]
        assert len(actual) == len(set(actual))
        assert set(actual) == expected_project_roles(system.catalog, env)
        assert {g["project"] for g in grants.values()} == {env.project_id}


def test_documents_are_read_at_bucket_level_by_the_services_that_need_them(system: System) -> None:
    readers = [s.name for s in system.catalog.services if s.reads_documents]
    assert readers, "no service reads documents: this test would prove nothing"
    for config in system.stacks.values():
        grants = resources(config, "google_storage_bucket_iam_member")
        workloads = [g for g in grants.values() if g["member"] not in pipeline_members()]
        assert sorted((g["member"], g["role"], g["bucket"]) for g in workloads) == sorted(
            (ref(name), "roles/storage.objectViewer", "${google_storage_bucket.documents.name}") for name in readers
        )


def test_secrets_are_containers_with_automatic_replication_and_no_versions(system: System) -> None:
    for config in system.stacks.values():
        secrets = resources(config, "google_secret_manager_secret")
        assert sorted(s["secret_id"] for s in secrets.values()) == sorted(s.id for s in system.catalog.secrets)
        for secret in secrets.values():
            assert secret["replication"] == {"auto": {}}
            assert secret["deletion_protection"] is True
            assert secret["lifecycle"] == {"prevent_destroy": True}
        assert resources(config, "google_secret_manager_secret_version") == {}
        assert "secret_data" not in str(config)


def test_secret_access_is_only_ever_per_secret(stacks: dict[str, Config]) -> None:
    for config in stacks.values():
        grants = resources(config, "google_secret_manager_secret_iam_member").values()
        assert grants
        for grant in grants:
            if grant["member"] not in pipeline_members():
                assert grant["role"] == "roles/secretmanager.secretAccessor"
            assert grant["secret_id"].startswith("${google_secret_manager_secret.")


def test_github_provider_admits_only_the_catalog_repository_environment_and_refs(
    catalog: Catalog, stacks: dict[str, Config]
) -> None:
    for env in catalog.environments:
        config = stacks[env.name]
        repository = env.github_repository
        # The infrastructure repository's pool: tests/test_infrastructure_access.py.
        pools = resources(config, "google_iam_workload_identity_pool")
        assert sorted(pools) == ["github", "github_infrastructure"]
        providers = resources(config, "google_iam_workload_identity_pool_provider")
        assert sorted(providers) == ["github_actions", "infrastructure"]
        provider = providers["github_actions"]
        assert provider["oidc"] == {"issuer_uri": "https://token.actions.githubusercontent.com"}
        condition = provider["attribute_condition"]
        assert condition.startswith(
            f'assertion.repository_id == "{repository.id}" && assertion.repository_owner_id == "{repository.owner_id}"'
            f' && assertion.sub == "repo:{repository.name}:environment:{env.github_environment}" && '
        )
        for ref in env.deploy_refs:
            assert (f'startsWith("{ref[:-1]}")' if ref.endswith("*") else f'== "{ref}"') in condition
        assert condition.count("assertion.ref") == len(env.deploy_refs)
        assert provider["attribute_mapping"]["attribute.repository_id"] == "assertion.repository_id"


def test_deployer_is_impersonated_by_the_repository_and_acts_as_runtime_accounts_only(system: System) -> None:
    for env in system.catalog.environments:
        grants = resources(system.stacks[env.name], "google_service_account_iam_member")
        for account in (PLANNER_ACCOUNT_ID, APPLIER_ACCOUNT_ID):
            grants.pop(f"{account.replace('-', '_')}_workload_identity_user")
        grants = {key: g for key, g in grants.items() if g["member"] not in pipeline_members()}
        impersonation = grants.pop(f"{DEPLOYER_ACCOUNT_ID.replace('-', '_')}_workload_identity_user")
        assert impersonation == {
            "//": impersonation["//"],
            "service_account_id": ref(DEPLOYER_ACCOUNT_ID, "name"),
            "role": "roles/iam.workloadIdentityUser",
            "member": "principalSet://iam.googleapis.com/${google_iam_workload_identity_pool.github.name}"
            f"/attribute.repository_id/{env.github_repository.id}",
        }
        acting_as = [
            (
                f"projects/{env.project_id}/serviceAccounts/{ref(name, 'email')}",
                "roles/iam.serviceAccountUser",
                ref(DEPLOYER_ACCOUNT_ID),
            )
            for name in accounts(system.catalog)
        ]
        # To check private services' health after a deploy (tests/test_delivery_identity.py).
        has_private_service = any(s.kind == "http" and not s.public for s in system.catalog.services)
        token_grant = (
            f"projects/{env.project_id}/serviceAccounts/{ref(DEPLOYER_ACCOUNT_ID, 'email')}",
            "roles/iam.serviceAccountOpenIdTokenCreator",
            ref(DEPLOYER_ACCOUNT_ID),
        )
        identity_tokens = [token_grant] if has_private_service else []
        assert sorted((g["service_account_id"], g["role"], g["member"]) for g in grants.values()) == sorted(
            [*acting_as, *identity_tokens]
        )


def test_workflow_names_are_outputs(stacks: dict[str, Config]) -> None:
    for config in stacks.values():
        workflow = {k: v for k, v in config["output"].items() if not k.endswith("_url")}
        assert workflow == {
            "deployer_email": {"value": ref(DEPLOYER_ACCOUNT_ID, "email")},
            "planner_email": {"value": ref(PLANNER_ACCOUNT_ID, "email")},
            "applier_email": {"value": ref(APPLIER_ACCOUNT_ID, "email")},
            "infrastructure_workload_identity_provider": {
                "value": "${google_iam_workload_identity_pool_provider.infrastructure.name}"
            },
            "workload_identity_provider": {
                "value": "${google_iam_workload_identity_pool_provider.github_actions.name}"
            },
        }
