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
# google.subject is at most 127 bytes (https://cloud.google.com/iam/docs/workload-identity-federation#mapping).
MAX_SUBJECT_BYTES = 127
# A pull request's job runs on the merge ref GitHub makes for it, refs/pull/<number>/merge
# (https://docs.github.com/en/actions/reference/workflows-and-actions/events-that-trigger-workflows#pull_request);
# pull_request_target runs on the base branch instead, with the base's secrets, and is not admitted.
PULL_REQUEST_REF = ('assertion.ref.startsWith("refs/pull/")', 'assertion.ref.endsWith("/merge")')
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
    pull_requests: also admit the repository's pull-request jobs (subject
        ``repo:<repository>:pull_request``, no GitHub environment) on their
        merge refs. Default ``False``. With it, ``allow_impersonation`` names
        the environment's subject and ``allow_pull_request_impersonation`` the
        pull requests', so that neither kind of job can act as the other's account.
    pool_id: Default ``github``.
    provider_id: Default ``github-actions``.
    """

    project_id: str
    repository: str
    repository_id: int
    owner_id: int
    environment: str
    refs: tuple[str, ...]
    pull_requests: bool = False
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
        if not isinstance(self.pull_requests, bool):
            raise InvalidConfig(f"{where}.pull_requests", self.pull_requests, "expected True or False")
        for subject in (self.subject, self.pull_request_subject):
            if len(subject.encode()) > MAX_SUBJECT_BYTES:
                raise InvalidConfig(
                    f"{where}.repository",
                    self.repository,
                    f"expected a name short enough for the subject {subject!r} to fit google.subject's"
                    f" {MAX_SUBJECT_BYTES} bytes",
                )
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

    @property
    def pull_request_subject(self) -> str:
        """The ``sub`` claim of a job of a pull request that names no GitHub environment."""
        return f"repo:{self.repository}:pull_request"


def attribute_condition(props: GitHubWorkloadIdentityProps) -> str:
    """The CEL condition a token must meet to be exchanged at all.

    Every clause must hold: the repository's and owner's ids (immutable), the
    subject (repository and GitHub environment), and one of the refs. Claim
    values are strings, ids included. With ``pull_requests``, the subject and
    ref may instead be a pull request's subject on its merge ref.
    docs/decisions/0018-workload-identity-trust.md,
    docs/decisions/0019-planner-and-applier.md
    """
    refs = " || ".join(
        f'assertion.ref.startsWith("{ref.removesuffix("*")}")' if ref.endswith("*") else f'assertion.ref == "{ref}"'
        for ref in props.refs
    )
    environment_jobs = (f'assertion.sub == "{props.subject}"', f"({refs})" if len(props.refs) > 1 else refs)
    repository = (
        f'assertion.repository_id == "{props.repository_id}"',
        f'assertion.repository_owner_id == "{props.owner_id}"',
    )
    if not props.pull_requests:
        return " && ".join((*repository, *environment_jobs))
    pull_request_jobs = (f'assertion.sub == "{props.pull_request_subject}"', *PULL_REQUEST_REF)
    either = f"(({' && '.join(environment_jobs)}) || ({' && '.join(pull_request_jobs)}))"
    return " && ".join((*repository, either))


class GitHubWorkloadIdentity(Construct):
    """A pool whose GitHub OIDC provider admits the tokens of one repository's deploy jobs only.

    The provider's attribute condition (``attribute_condition``) refuses
    every token but those of jobs of ``props.repository`` (matched by its and
    its owner's ids) that run in the GitHub environment ``props.environment``
    from one of ``props.refs`` (and, with ``props.pull_requests``, those of
    its pull requests on their merge refs): no other repository, branch or
    workflow job can even exchange a token. ``allow_impersonation`` then lets
    that repository's principal set (with pull requests admitted: the
    environment's subject) act as one account, and
    ``allow_pull_request_impersonation`` the pull requests' subject. No service-account key
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
                description=f"Jobs of {props.repository} in its {props.environment} environment"
                + (", and its pull requests" if props.pull_requests else " only"),
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

    def subject_principal(self, subject: str) -> str:
        """The one principal of the pool whose token has the ``sub`` claim ``subject``."""
        return f"principal://iam.googleapis.com/{self.pool.name}/subject/{subject}"

    def allow_impersonation(self, account: ServiceAccount) -> ServiceAccountIamMember:
        """Lets the repository's jobs in its GitHub environment act as ``account`` (and no other repository's).

        The member is the repository's principal set; when the provider also
        admits pull requests, the environment's subject instead, which no
        pull-request job has. Addressed
        ``google_service_account_iam_member.<account>_workload_identity_user``.
        """
        member = self.subject_principal(self.props.subject) if self.props.pull_requests else self.repository_principals
        return self._impersonation(account, member)

    def allow_pull_request_impersonation(self, account: ServiceAccount) -> ServiceAccountIamMember:
        """Lets the repository's pull-request jobs act as ``account``: the pull-request subject's principal.

        Addressed ``google_service_account_iam_member.<account>_workload_identity_user``.
        """
        if not self.props.pull_requests:
            raise InvalidConfig(
                "GitHubWorkloadIdentityProps.pull_requests", False, "expected True: the provider admits no pull request"
            )
        return self._impersonation(account, self.subject_principal(self.props.pull_request_subject))

    def _impersonation(self, account: ServiceAccount, member: str) -> ServiceAccountIamMember:
        return pin(
            ServiceAccountIamMember(
                self,
                f"impersonate-{account.account_id}",
                service_account_id=account.resource.name,
                role=IMPERSONATE_ROLE,
                member=member,
            ),
            account.account_id,
            "workload_identity_user",
        )
