"""The invariants: each fires on a deliberately broken config, and none fires on a real stack."""

from __future__ import annotations

from typing import Any

import pytest

from mindmirror_infra.invariants import INVARIANTS, Invariant, credential_in, references, violations
from tests.synth import Config

BY_NAME = {rule.name: rule for rule in INVARIANTS}

PROTECTED = {"lifecycle": {"prevent_destroy": True}}
SQL_OK: dict[str, Any] = {
    **PROTECTED,
    "deletion_protection": True,
    "settings": {"deletion_protection_enabled": True, "ip_configuration": {"ipv4_enabled": False}},
}
BUCKET_OK: dict[str, Any] = {
    **PROTECTED,
    "force_destroy": False,
    "uniform_bucket_level_access": True,
    "public_access_prevention": "enforced",
}
ACCOUNT = {"account_id": "agent-service"}
SERVICE_OK = {"template": {"service_account": "${google_service_account.agent.email}"}}


REDIS_OK = {"deletion_protection_enabled": True, "deletion_policy": "PREVENT", "lifecycle": {"prevent_destroy": True}}


def with_env(name: str, value: str) -> dict[str, Any]:
    """A Cloud Run workload body whose container has one environment variable."""
    return {"template": {"containers": [{"env": [{"name": name, "value": value}]}]}}


def stack(**resources: dict[str, Any]) -> Config:
    """A stack holding ``resources`` (type -> name -> body) and a service account ``agent``."""
    return {"resource": {"google_service_account": {"agent": ACCOUNT}, **resources}}


def fired(rule: str, config: Config) -> list[str]:
    return [f"{v.address}: {v.message}" for v in BY_NAME[rule](config)]


# (invariant, broken config, the address and a fragment of the message it must report)
BROKEN: list[tuple[str, Config, str, str]] = [
    (
        "stateful-protected",
        stack(google_sql_database_instance={"main": {**SQL_OK, "lifecycle": {}}}),
        "google_sql_database_instance.main",
        "lifecycle.prevent_destroy",
    ),
    (
        "stateful-protected",
        stack(google_sql_database_instance={"main": {**SQL_OK, "deletion_protection": False}}),
        "google_sql_database_instance.main",
        "expected deletion_protection = true",
    ),
    (
        "stateful-protected",
        stack(
            google_sql_database_instance={"main": {**SQL_OK, "settings": {"ip_configuration": {"ipv4_enabled": False}}}}
        ),
        "google_sql_database_instance.main",
        "settings.deletion_protection_enabled = true",
    ),
    (
        "stateful-protected",
        stack(google_sql_database={"main_agent": {"deletion_policy": "DELETE", **PROTECTED}}),
        "google_sql_database.main_agent",
        "deletion_policy 'ABANDON'",
    ),
    (
        "stateful-protected",
        stack(google_storage_bucket={"documents": {**BUCKET_OK, "force_destroy": True}}),
        "google_storage_bucket.documents",
        "force_destroy",
    ),
    (
        "stateful-protected",
        stack(google_secret_manager_secret={"jwt": {**PROTECTED}}),
        "google_secret_manager_secret.jwt",
        "deletion_protection = true",
    ),
    (
        "stateful-protected",
        stack(google_artifact_registry_repository={"services": {"lifecycle": {"prevent_destroy": False}}}),
        "google_artifact_registry_repository.services",
        "prevent_destroy",
    ),
    (
        "sql-private-ip-only",
        stack(google_sql_database_instance={"main": {**SQL_OK, "settings": {"deletion_protection_enabled": True}}}),
        "google_sql_database_instance.main",
        "ipv4_enabled = false",
    ),
    (
        "sql-private-ip-only",
        stack(
            google_sql_database_instance={
                "main": {
                    **SQL_OK,
                    "settings": {
                        "ip_configuration": [{"ipv4_enabled": False, "authorized_networks": [{"value": "0.0.0.0/0"}]}]
                    },
                }
            }
        ),
        "google_sql_database_instance.main",
        "authorized_networks",
    ),
    (
        "bucket-private",
        stack(google_storage_bucket={"documents": {**BUCKET_OK, "uniform_bucket_level_access": False}}),
        "google_storage_bucket.documents",
        "uniform_bucket_level_access",
    ),
    (
        "bucket-private",
        stack(google_storage_bucket={"documents": {**BUCKET_OK, "public_access_prevention": "inherited"}}),
        "google_storage_bucket.documents",
        "public_access_prevention",
    ),
    (
        "no-primitive-roles",
        stack(google_project_iam_member={"ci": {"role": "roles/editor", "member": "serviceAccount:x"}}),
        "google_project_iam_member.ci",
        "roles/editor",
    ),
    (
        "no-primitive-roles",
        stack(
            google_project_iam_member={
                "grants": {
                    "for_each": {
                        "ci/roles/logging.logWriter": {"role": "roles/logging.logWriter", "member": "serviceAccount:x"},
                        "ci/roles/owner": {"role": "roles/owner", "member": "serviceAccount:x"},
                    },
                    "role": "${each.value.role}",
                    "member": "${each.value.member}",
                }
            }
        ),
        'google_project_iam_member.grants["ci/roles/owner"]',
        "roles/owner",
    ),
    (
        "readable-for-each",
        stack(google_project_iam_member={"grants": {"for_each": {"ci": {"rol": "x"}}, "role": "${each.value.role}"}}),
        "google_project_iam_member.grants",
        "row 'ci': ${each.value.role} is not in the row",
    ),
    (
        "readable-for-each",
        stack(google_project_iam_member={"grants": {"for_each": "${toset(var.roles)}", "role": "${each.value}"}}),
        "google_project_iam_member.grants",
        "expected a literal map",
    ),
    (
        "no-primitive-roles",
        stack(google_storage_bucket_iam_binding={"docs": {"role": "roles/viewer", "members": ["group:x"]}}),
        "google_storage_bucket_iam_binding.docs",
        "roles/viewer",
    ),
    (
        "no-primitive-roles",
        stack(google_project_iam_policy={"all": {"policy_data": '{"bindings":[{"role":"roles/owner"}]}'}}),
        "google_project_iam_policy.all",
        "roles/owner",
    ),
    (
        "no-primitive-roles",
        {"data": {"google_iam_policy": {"admin": {"binding": [{"role": "roles/owner", "members": ["user:x"]}]}}}},
        "data.google_iam_policy.admin",
        "roles/owner",
    ),
    (
        "no-project-secret-access",
        stack(google_project_iam_member={"read": {"role": "roles/secretmanager.secretAccessor", "member": "x"}}),
        "google_project_iam_member.read",
        "on every secret",
    ),
    (
        "no-project-secret-access",
        stack(google_folder_iam_binding={"admin": {"role": "roles/secretmanager.admin", "members": ["x"]}}),
        "google_folder_iam_binding.admin",
        "roles/secretmanager.admin",
    ),
    (
        "no-public-grants",
        stack(google_storage_bucket_iam_member={"docs": {"role": "roles/storage.objectViewer", "member": "allUsers"}}),
        "google_storage_bucket_iam_member.docs",
        "allUsers",
    ),
    (
        "no-service-account-keys",
        stack(google_service_account_key={"ci": {"service_account_id": "${google_service_account.agent.name}"}}),
        "google_service_account_key.ci",
        "Workload Identity",
    ),
    (
        "no-secret-literals",
        stack(google_secret_manager_secret_version={"jwt": {"secret_data": "hunter2"}}),
        "google_secret_manager_secret_version.jwt",
        "secret_data holds a literal credential",
    ),
    (
        "no-secret-literals",
        stack(
            google_cloud_run_v2_service={
                "api": {
                    **SERVICE_OK,
                    "template": {
                        **SERVICE_OK["template"],
                        "containers": [{"env": [{"name": "DB", "value": "postgres://app:s3cret@10.0.0.5/app"}]}],
                    },
                }
            }
        ),
        "google_cloud_run_v2_service.api",
        "'user:password@'",
    ),
    (
        "no-secret-literals",
        {"variable": {"token": {"default": "xJ8vQ2pL7mN4rT9wZ3kB6yH1cF5gD0sA"}}},
        "variable.token",
        "high-entropy token",
    ),
    (
        "no-secret-literals",
        {"provider": {"google": [{"credentials": "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----"}]}},
        "provider.google[0]",
        "credentials holds a literal credential",
    ),
    (
        "references-resolve",
        stack(
            google_cloud_run_v2_service={"api": {"template": {"vpc_access": {"connector": "${google_x.missing.id}"}}}}
        ),
        "google_cloud_run_v2_service.api",
        "refers to google_x.missing",
    ),
    (
        "references-resolve",
        stack(google_storage_bucket={"docs": {"name": '${replace(var.prefix, "_", "-")}-docs'}}),
        "google_storage_bucket.docs",
        "refers to var.prefix",
    ),
    (
        "references-resolve",
        stack(google_project_iam_member={"x": {"member": "${data.google_project.this.number}"}}),
        "google_project_iam_member.x",
        "refers to data.google_project.this",
    ),
    (
        "references-resolve",
        stack(google_storage_bucket={"docs": {"depends_on": ["google_project_service.storage"]}}),
        "google_storage_bucket.docs",
        "depends_on google_project_service.storage",
    ),
    (
        "references-resolve",
        {"import": [{"id": "projects/p/secrets/jwt", "to": "google_secret_manager_secret.jwt"}]},
        "import[0]",
        "to google_secret_manager_secret.jwt",
    ),
    (
        "references-resolve",
        {
            **stack(google_project_iam_member={"grants": {"for_each": {"ci/roles/logging.logWriter": {}}}}),
            "moved": [
                {"from": "google_project_iam_member.ci", "to": 'google_project_iam_member.grants["ci/roles/owner"]'}
            ],
        },
        "moved[0]",
        'to google_project_iam_member.grants["ci/roles/owner"]',
    ),
    (
        "own-runtime-account",
        stack(google_cloud_run_v2_service={"api": {"template": {"containers": []}}}),
        "google_cloud_run_v2_service.api",
        "default compute account",
    ),
    (
        "own-runtime-account",
        stack(
            google_cloud_run_v2_job={
                "migrate": {"template": {"template": {"service_account": "1-compute@developer.gserviceaccount.com"}}}
            }
        ),
        "google_cloud_run_v2_job.migrate",
        "is the default compute account",
    ),
    (
        "own-runtime-account",
        stack(
            google_cloud_run_v2_worker_pool={
                "worker": {"template": {"service_account": "ops@p.iam.gserviceaccount.com"}}
            }
        ),
        "google_cloud_run_v2_worker_pool.worker",
        "expected the email of a google_service_account",
    ),
    (
        "own-runtime-account",
        stack(google_cloud_run_v2_service={"api": SERVICE_OK, "web": SERVICE_OK}),
        "google_cloud_run_v2_service.web",
        "shares google_service_account.agent with google_cloud_run_v2_service.api",
    ),
    (
        "one-address-each",
        {
            **stack(google_secret_manager_secret={"jwt_secret": {}}),
            "import": [
                {"to": "google_secret_manager_secret.jwt_secret", "id": "projects/p/secrets/jwt-secret"},
                {"to": "google_secret_manager_secret.jwt_secret", "id": "projects/p/secrets/jwt_secret"},
            ],
        },
        "google_secret_manager_secret.jwt_secret",
        "2 import blocks name it",
    ),
    (
        "one-address-each",
        stack(google_secret_manager_secret={"jwt_secret": {}, "JWT_secret": {}}),
        "google_secret_manager_secret.jwt_secret",
        "differs from google_secret_manager_secret.JWT_secret only by case",
    ),
    (
        "stateful-protected",
        stack(google_memorystore_instance={"cache": {**REDIS_OK, "deletion_policy": "DELETE"}}),
        "google_memorystore_instance.cache",
        "expected deletion_policy = prevent",
    ),
    (
        "no-unowned-private-hosts",
        stack(google_cloud_run_v2_worker_pool={"worker": with_env("REDIS_URL", "redis://10.0.0.3:6379")}),
        "google_cloud_run_v2_worker_pool.worker",
        "template.containers[0].env[0].value: 10.0.0.3 is a private IP address that no resource of the stack owns",
    ),
    (
        "no-unowned-private-hosts",
        stack(google_cloud_run_v2_service={"api": with_env("CACHE", "cache.internal:6379")}),
        "google_cloud_run_v2_service.api",
        "'cache.internal' names a host of a private network",
    ),
]


@pytest.mark.parametrize(
    ("rule", "config", "address", "message"), BROKEN, ids=[f"{c[0]}-{i}" for i, c in enumerate(BROKEN)]
)
def test_invariant_fires_on_a_broken_config(rule: str, config: Config, address: str, message: str) -> None:
    found = fired(rule, config)
    assert any(f.startswith(f"{address}: ") and message in f for f in found), found


def test_every_invariant_has_a_broken_config() -> None:
    assert {rule.name for rule in INVARIANTS} == {case[0] for case in BROKEN}


SOUND: list[tuple[str, Config]] = [
    ("stateful-protected", stack(google_memorystore_instance={"cache": REDIS_OK})),
    (
        "no-unowned-private-hosts",
        stack(
            google_cloud_run_v2_service={
                "api": with_env("REDIS_URL", "rediss://${google_memorystore_instance.cache.endpoints[0]}:6379"),
                "web": with_env("CACHE", "redis://10.0.0.3:6379"),
                "qdrant": with_env("QDRANT_URL", "https://3f1c.us-east4-0.gcp.cloud.qdrant.io"),
            },
            google_compute_address={"cache": {"address": "10.0.0.3"}},
        ),
    ),
    (
        "stateful-protected",
        stack(google_sql_database_instance={"main": SQL_OK}, google_storage_bucket={"d": BUCKET_OK}),
    ),
    ("sql-private-ip-only", stack(google_sql_database_instance={"main": SQL_OK})),
    ("bucket-private", stack(google_storage_bucket={"documents": BUCKET_OK})),
    (
        "no-public-grants",
        stack(google_cloud_run_v2_service_iam_member={"web": {"role": "roles/run.invoker", "member": "allUsers"}}),
    ),
    ("own-runtime-account", stack(google_cloud_run_v2_service={"api": SERVICE_OK})),
    (
        "references-resolve",
        {
            "variable": {"image_tag": {}},
            "locals": {"region": "us-central1"},
            "data": {"google_project": {"this": {}}},
            "resource": {
                "google_artifact_registry_repository": {"services": {}},
                "google_cloud_run_v2_service": {
                    "api": {
                        "image": (
                            '${replace(google_artifact_registry_repository.services.registry_uri, "a.b", "c")}'
                            ":${var.image_tag}"
                        ),
                        "labels": "${{for k, v in local.region : k => v.name}}",
                        "project": "${data.google_project.this.number}-${each.key}-${count.index}",
                        "depends_on": ["google_artifact_registry_repository.services"],
                    }
                },
            },
            "moved": [{"from": "google_cloud_run_v2_service.old", "to": "google_cloud_run_v2_service.api"}],
        },
    ),
    (
        "references-resolve",
        {
            **stack(google_project_iam_member={"grants": {"for_each": {"ci/roles/logging.logWriter": {}}}}),
            "moved": [
                {
                    "from": "google_project_iam_member.ci",
                    "to": 'google_project_iam_member.grants["ci/roles/logging.logWriter"]',
                }
            ],
        },
    ),
    (
        "readable-for-each",
        stack(google_project_iam_member={"grants": {"for_each": {"ci/roles/logging.logWriter": {}}}}),
    ),
    (
        "one-address-each",
        {
            **stack(google_secret_manager_secret={"jwt_secret": {}, "jwt": {}}),
            "import": [
                {"to": "google_secret_manager_secret.jwt_secret", "id": "projects/p/secrets/jwt-secret"},
                {"to": "google_secret_manager_secret.jwt", "id": "projects/p/secrets/jwt"},
            ],
        },
    ),
]


@pytest.mark.parametrize(("rule", "config"), SOUND, ids=[c[0] for c in SOUND])
def test_invariant_is_quiet_on_a_sound_config(rule: str, config: Config) -> None:
    assert fired(rule, config) == []


@pytest.mark.parametrize(
    "text",
    [
        "${google_secret_manager_secret.jwt_secret.secret_id}",
        "us-central1-docker.pkg.dev/mindmirror-prod/services/agent-service:${var.image_tag}",
        "assertion.repository == 'mindmirror/mindmirror' && assertion.ref == 'refs/heads/main'",
        "https://mindmirror.qdrant.example",
        "redis://10.0.0.3:6379",
        "projects/mindmirror-prod/secrets/supabase-service-role-key",
        "image@sha256:" + "ab12" * 16,
        'metric.type="run.googleapis.com/request_count" AND resource.type="cloud_run_revision"',
        "postgres://${var.user}:${var.password}@10.0.0.5/app",
    ],
)
def test_ordinary_strings_are_not_credentials(text: str) -> None:
    assert credential_in(text) is None


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("ghp_abcdefghijklmnopqrstuvwxyz0123456789", "GitHub token"),
        ("AKIAABCDEFGHIJKLMNOP", "AWS access key"),
        ("password=correct-horse", "'password=' style"),
        ("https://admin:pa55@db.example/x", "'user:password@'"),
        ("sk-proj-abcdefghijklmnop1234567890", "API secret key"),
    ],
)
def test_credential_looking_literals_are_named(text: str, what: str) -> None:
    assert what in (credential_in(text) or "")


def test_references_are_read_inside_functions_and_skip_strings_and_loop_variables() -> None:
    expression = (
        'format("%s.%s", google_sql_database_instance.main_db.name, local.x) == [for item_x in var.list : item_x.name]'
    )
    assert references(expression) == {"google_sql_database_instance.main_db", "local.x", "var.list"}


@pytest.mark.parametrize("rule", INVARIANTS, ids=lambda rule: rule.name)
def test_invariant_holds_for_every_stack(stacks: dict[str, Config], rule: Invariant) -> None:
    for env, config in stacks.items():
        assert rule(config) == [], f"{env}: " + "; ".join(str(v) for v in rule(config))


def test_violations_name_the_invariant_and_the_address() -> None:
    broken = stack(google_service_account_key={"ci": {}})
    assert [str(v) for v in violations(broken)] == [
        "no-service-account-keys: google_service_account_key.ci: creates a service account key; "
        "use Workload Identity Federation or the runtime account"
    ]
