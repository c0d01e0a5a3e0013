"""How CI deploys: GitHub Actions of one repository sign in as the deployer account, keyless.

What CD does (docs/operating-strategy.md, Delivery): push images, update Cloud Run services
and run the migration jobs. The deployer gets here only what concerns
identities; the compute tier grants it the rest on each resource it deploys
(Cloud Run services and jobs, the registry repository).
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktn import TerraformOutput
from constructs import Construct

from mindmirror_infra.catalog import Environment
from mindmirror_infra.constructs.workload_identity import GitHubWorkloadIdentity, GitHubWorkloadIdentityProps
from mindmirror_infra.stacks.identity import Identity


@dataclass(frozen=True)
class Deployer:
    workload_identity: GitHubWorkloadIdentity


def build_deployer(scope: Construct, env: Environment, identity: Identity) -> Deployer:
    workload_identity = GitHubWorkloadIdentity(
        scope,
        "github",
        GitHubWorkloadIdentityProps(
            project_id=env.project_id,
            repository=env.github_repository.name,
            repository_id=env.github_repository.id,
            owner_id=env.github_repository.owner_id,
            environment=env.github_environment,
            refs=env.deploy_refs,
        ),
    )
    # iam.workloadIdentityUser on the deployer account only: the repository's
    # workflows sign in as the deployer and as no other account.
    workload_identity.allow_impersonation(identity.deployer)
    # iam.serviceAccountUser on each runtime account (never on the project): a
    # deploy creates revisions and job executions that run as that account.
    for account in identity.accounts.values():
        account.grant_act_as(identity.deployer)
    # What the workflow's auth step needs: no key, two names.
    outputs = {"workload_identity_provider": workload_identity.provider.name, "deployer_email": identity.deployer.email}
    for name, value in outputs.items():
        TerraformOutput(scope, name, value=value).override_logical_id(name)
    return Deployer(workload_identity=workload_identity)
