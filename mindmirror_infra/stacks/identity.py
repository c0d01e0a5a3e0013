"""Who runs what: one service account per workload, and the secrets they may be granted."""

from __future__ import annotations

from dataclasses import dataclass

from constructs import Construct

from mindmirror_infra.catalog import DEPLOYER_ACCOUNT_ID, Catalog, Environment
from mindmirror_infra.constructs.secret import Secret, SecretProps
from mindmirror_infra.constructs.service_account import ServiceAccount, ServiceAccountProps


@dataclass(frozen=True)
class Identity:
    """The accounts (by service or job name), the CI deployer and the secrets (by id) of one environment."""

    accounts: dict[str, ServiceAccount]
    deployer: ServiceAccount
    secrets: dict[str, Secret]


def build_identity(scope: Construct, catalog: Catalog, env: Environment) -> Identity:
    accounts = {
        name: ServiceAccount(
            scope,
            f"account-{name}",
            ServiceAccountProps(project_id=env.project_id, account_id=name, description=description),
        )
        for name, description in [
            *((s.name, f"Runtime identity of the {s.name} Cloud Run {s.kind}") for s in catalog.services),
            *((j.name, f"Runtime identity of the {j.name} migration job") for j in catalog.migration_jobs),
        ]
    }
    deployer = ServiceAccount(
        scope,
        "account-deployer",
        ServiceAccountProps(
            project_id=env.project_id,
            account_id=DEPLOYER_ACCOUNT_ID,
            description=f"Deploys from GitHub Actions of {env.github_repository.name} through Workload Identity",
        ),
    )
    secrets = {
        secret.id: Secret(scope, f"secret-{secret.id}", SecretProps(project_id=env.project_id, secret_id=secret.id))
        for secret in catalog.secrets
    }
    return Identity(accounts=accounts, deployer=deployer, secrets=secrets)
