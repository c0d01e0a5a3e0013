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
# GitHub environment names (https://docs.github.com/en/actions/reference/workflows-and-actions/deployments-and-environments):
# a subset with no character that would need quoting in the attribute condition.
_GITHUB_ENVIRONMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")
# Claims of GitHub's token kept as attributes: the grant names the repository by
# its id; the rest say in audit logs which run signed in.
ATTRIBUTE_MAPPING = {
    "google.subject": "assertion.sub",
    "attribute.repository": "assertion.repository",
    "attribute.repository_id": "assertion.repository_id",
    "attribute.repository_owner": "assertion.repository_owner",
    "attribute.repository_owner_id": "assertion.repository_owner_id",
    "attribute.ref": "assertion.ref",
    "attribute.workflow_ref": "assertion.job_workflow_ref",
}


@dataclass(frozen=True)
class GitHubWorkloadIdentityProps:
    """Attributes:
    project_id: the project that owns the pool.
    repository: the only GitHub repository (``owner/name``) whose workflows may sign in.
    repository_id / owner_id: its ``repository_id`` and ``repository_owner_id``
        claims, which a rename, a transfer or a new repository under a freed
        name cannot take over.
    environment: the GitHub environment whose jobs may sign in; the token's
        subject is then ``repo:<repository>:environment:<environment>``.
    refs: the branches and tags those jobs may run from (``refs/heads/main``);
        a final ``*`` admits every name with that prefix (``refs/tags/v*``).
    pool_id: Default ``github``.
    provider_id: Default ``github-actions``.
    """

    project_id: str
    repository: str
    repository_id: int
    owner_id: int
    environment: str
    refs: tuple[str, ...]
    pool_id: str = "github"
    provider_id: str = "github-actions"

    def __post_init__(self) -> None:
        where = "GitHubWorkloadIdentityProps"
        validation.check_name(f"{where}.repository", self.repository, validation.GITHUB_REPOSITORY)
        for field in ("repository_id", "owner_id"):
            validation.check_int(f"{where}.{field}", getattr(self, field), 1, 2**63 - 1)
        if not isinstance(self.environment, str) or not _GITHUB_ENVIRONMENT.fullmatch(self.environment):
            raise InvalidConfig(
                f"{where}.environment", self.environment, "expected a GitHub environment name: letters, digits, . _ -"
            )
        if not isinstance(self.refs, tuple) or not self.refs:
            raise InvalidConfig(f"{where}.refs", self.refs, "expected a tuple of one or more refs")
        for ref in self.refs:
            validation.check_name(f"{where}.refs", ref, validation.GIT_REF)
        for field in ("pool_id", "provider_id"):
            value = getattr(self, field)
            if not _POOL_ID.fullmatch(value):
                raise InvalidConfig(
                    f"{where}.{field}", value, "expected 4-32 lowercase letters, digits or hyphens, not starting 'gcp-'"
                )

    @property
    def subject(self) -> str:
        """The ``sub`` claim of a job that runs in ``environment`` (GitHub's format for it)."""
        return f"repo:{self.repository}:environment:{self.environment}"


def attribute_condition(props: GitHubWorkloadIdentityProps) -> str:
    """The CEL condition a token must meet to be exchanged at all.

    Every clause must hold: the repository's and owner's ids (immutable), the
    subject (repository and GitHub environment), and one of the refs. Claim
    values are strings, ids included.
    docs/decisions/0018-workload-identity-trust.md
    """
    refs = " || ".join(
        f'assertion.ref.startsWith("{ref.removesuffix("*")}")' if ref.endswith("*") else f'assertion.ref == "{ref}"'
        for ref in props.refs
    )
    return " && ".join(
        (
            f'assertion.repository_id == "{props.repository_id}"',
            f'assertion.repository_owner_id == "{props.owner_id}"',
            f'assertion.sub == "{props.subject}"',
            f"({refs})" if len(props.refs) > 1 else refs,
        )
    )


class GitHubWorkloadIdentity(Construct):
    """A pool whose GitHub OIDC provider admits the tokens of one repository's deploy jobs only.

    The provider's attribute condition (``attribute_condition``) refuses
    every token but those of jobs of ``props.repository`` (matched by its and
    its owner's ids) that run in the GitHub environment ``props.environment``
    from one of ``props.refs``: no other repository, branch or workflow job
    can even exchange a token. ``allow_impersonation`` then lets that
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
                description=f"Jobs of {props.repository} in its {props.environment} environment only",
                attribute_mapping=ATTRIBUTE_MAPPING,
                attribute_condition=attribute_condition(props),
                oidc=IamWorkloadIdentityPoolProviderOidc(issuer_uri=GITHUB_ISSUER),
            ),
            props.provider_id,
        )

    @property
    def repository_principals(self) -> str:
        """Every token of the repository the provider admits, as an IAM principal set keyed by the repository's id."""
        return f"principalSet://iam.googleapis.com/{self.pool.name}/attribute.repository_id/{self.props.repository_id}"

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
