"""Keyless sign-in from GitHub Actions: a Workload Identity pool and its GitHub OIDC provider."""

from __future__ import annotations

import re
from dataclasses import dataclass

from cdktn_provider_google.iam_workload_identity_pool import IamWorkloadIdentityPool
from cdktn_provider_google.iam_workload_identity_pool_provider import (
    IamWorkloadIdentityPoolProvider,
    IamWorkloadIdentityPoolProviderOidc,
)
from cdktn_provider_google.service_account_iam_member import ServiceAccountIamMember
from constructs import Construct

from mindmirror_infra import validation
from mindmirror_infra.constructs.addresses import pin
from mindmirror_infra.constructs.service_account import ServiceAccount
from mindmirror_infra.errors import InvalidConfig

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
IMPERSONATE_ROLE = "roles/iam.workloadIdentityUser"
# Pool and provider ids: 4-32 lowercase letters, digits or hyphens; "gcp-" is reserved.
_POOL_ID = re.compile(r"^(?!gcp-)[a-z0-9-]{4,32}$")
# Claims of GitHub's token kept as attributes; the repository is what grants use.
ATTRIBUTE_MAPPING = {
    "google.subject": "assertion.sub",
    "attribute.repository": "assertion.repository",
    "attribute.repository_owner": "assertion.repository_owner",
    "attribute.ref": "assertion.ref",
    "attribute.workflow_ref": "assertion.job_workflow_ref",
}


@dataclass(frozen=True)
class GitHubWorkloadIdentityProps:
    """Attributes:
    project_id: the project that owns the pool.
    repository: the only GitHub repository (``owner/name``) whose workflows may sign in.
    pool_id: Default ``github``.
    provider_id: Default ``github-actions``.
    """

    project_id: str
    repository: str
    pool_id: str = "github"
    provider_id: str = "github-actions"

    def __post_init__(self) -> None:
        where = "GitHubWorkloadIdentityProps"
        validation.check_name(f"{where}.repository", self.repository, validation.GITHUB_REPOSITORY)
        for field in ("pool_id", "provider_id"):
            value = getattr(self, field)
            if not _POOL_ID.fullmatch(value):
                raise InvalidConfig(
                    f"{where}.{field}", value, "expected 4-32 lowercase letters, digits or hyphens, not starting 'gcp-'"
                )


class GitHubWorkloadIdentity(Construct):
    """A pool whose GitHub OIDC provider admits tokens of one repository only.

    The provider's ``attribute_condition`` refuses every token whose
    ``repository`` claim is not ``props.repository``, so no other repository on
    GitHub can even exchange a token; ``allow_impersonation`` then lets that
    repository's principal set act as one account. No service-account key
    exists anywhere. Addressed ``google_iam_workload_identity_pool.<pool_id>``
    and ``google_iam_workload_identity_pool_provider.<provider_id>``.
    """

    def __init__(self, scope: Construct, construct_id: str, props: GitHubWorkloadIdentityProps) -> None:
        super().__init__(scope, construct_id)
        self.props = props
        self.pool = pin(
            IamWorkloadIdentityPool(
                self,
                "pool",
                project=props.project_id,
                workload_identity_pool_id=props.pool_id,
                display_name="GitHub Actions",
                description=f"Workflows of {props.repository}",
            ),
            props.pool_id,
        )
        self.provider = pin(
            IamWorkloadIdentityPoolProvider(
                self,
                "provider",
                project=props.project_id,
                workload_identity_pool_id=self.pool.workload_identity_pool_id,
                workload_identity_pool_provider_id=props.provider_id,
                display_name="GitHub OIDC",
                description=f"Tokens of {props.repository} only",
                attribute_mapping=ATTRIBUTE_MAPPING,
                attribute_condition=f'assertion.repository == "{props.repository}"',
                oidc=IamWorkloadIdentityPoolProviderOidc(issuer_uri=GITHUB_ISSUER),
            ),
            props.provider_id,
        )

    @property
    def repository_principals(self) -> str:
        """Every workflow run of the repository, as an IAM principal set."""
        return f"principalSet://iam.googleapis.com/{self.pool.name}/attribute.repository/{self.props.repository}"

    def allow_impersonation(self, account: ServiceAccount) -> ServiceAccountIamMember:
        """Lets the repository's workflows act as ``account`` (and no other repository's).

        Addressed ``google_service_account_iam_member.<account>_workload_identity_user``.
        """
        return pin(
            ServiceAccountIamMember(
                self,
                f"impersonate-{account.account_id}",
                service_account_id=account.resource.name,
                role=IMPERSONATE_ROLE,
                member=self.repository_principals,
            ),
            account.account_id,
            "workload_identity_user",
        )
