"""How CI deploys: GitHub Actions of one repository sign in as the deployer account, keyless.

What CD does (docs/operating-strategy.md, Delivery): push images, update Cloud Run services
and run the migration jobs. The deployer gets here only what concerns
identities; the compute tier grants it the rest on each resource it deploys
(Cloud Run services and jobs, the registry repository).
"""

from __future__ import annotations

from cdktn import TerraformOutput
from constructs import Construct

from mindmirror_infra.catalog import Catalog, Environment
from mindmirror_infra.constructs.workload_identity import GitHubWorkloadIdentity, GitHubWorkloadIdentityProps
from mindmirror_infra.stacks.identity import Identity


def build_deployer(scope: Construct, catalog: Catalog, env: Environment, identity: Identity) -> None:
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
    # iam.serviceAccountOpenIdTokenCreator on itself: after a deploy, the
    # workflow checks a private service's /health with an identity token whose
    # audience is that service's URL. The workflow's credentials are federated
    # ones, from which gcloud cannot mint an identity token, so it mints one as
    # the deployer (`gcloud auth print-identity-token --impersonate-service-account`).
    # The token reaches only services the deployer may already invoke
    # (run.developer on each), and the role grants no access token.
    if any(s.kind == "http" and not s.public for s in catalog.services):
        identity.deployer.grant_identity_tokens(identity.deployer)
    # What the workflow's auth step needs: no key, two names.
    outputs = {"workload_identity_provider": workload_identity.provider.name, "deployer_email": identity.deployer.email}
    for name, value in outputs.items():
        TerraformOutput(scope, name, value=value).override_logical_id(name)
