"""A runtime identity: one service account per workload."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from cdktn_provider_google.project_iam_member import ProjectIamMember, ProjectIamMemberCondition
from cdktn_provider_google.service_account import ServiceAccount as GoogleServiceAccount
from cdktn_provider_google.service_account_iam_member import ServiceAccountIamMember
from constructs import Construct

from mindmirror_infra import validation
from mindmirror_infra.constructs.addresses import pin
from mindmirror_infra.constructs.grant_tables import GrantTables, TableKind, columns, each_value, row_key
from mindmirror_infra.errors import InvalidConfig

ACT_AS_ROLE = "roles/iam.serviceAccountUser"
IDENTITY_TOKEN_ROLE = "roles/iam.serviceAccountOpenIdTokenCreator"
PROJECT_ROLES = TableKind(ProjectIamMember, "google_project_iam_member", fields=("project", "role", "member"))
CONDITIONED_PROJECT_ROLES = TableKind(
    ProjectIamMember,
    "google_project_iam_member",
    fields=("project", "role", "member", "title", "expression"),
    attributes={
        **columns("project", "role", "member"),
        "condition": ProjectIamMemberCondition(title=each_value("title"), expression=each_value("expression")),
    },
    name="conditioned_grants",
)
ACCOUNT_USERS = TableKind(
    ServiceAccountIamMember,
    "google_service_account_iam_member",
    fields=("service_account_id", "member"),
    attributes={**columns("service_account_id", "member"), "role": ACT_AS_ROLE},
)
IDENTITY_TOKEN_CREATORS = TableKind(
    ServiceAccountIamMember,
    "google_service_account_iam_member",
    fields=("service_account_id", "member"),
    attributes={**columns("service_account_id", "member"), "role": IDENTITY_TOKEN_ROLE},
    name="identity_token_grants",
)
# Basic roles reach every service of the project.
PRIMITIVE_ROLES = frozenset({"roles/owner", "roles/editor", "roles/viewer"})
# Roles that must be granted on one resource, never on the whole project: at
# project level they would reach every secret, bucket or account.
RESOURCE_LEVEL_ROLES = frozenset(
    {
        "roles/secretmanager.secretAccessor",
        "roles/storage.objectViewer",
        "roles/storage.objectAdmin",
        ACT_AS_ROLE,
        "roles/iam.serviceAccountTokenCreator",
        "roles/iam.workloadIdentityUser",
    }
)


@dataclass(frozen=True)
class IamCondition:
    """An IAM condition that narrows a project-level grant.

    Attributes:
        key: tells grants of one role to one account apart; part of the address.
        title: shown in the console.
        expression: the CEL expression.
    """

    key: str
    title: str
    expression: str

    def __post_init__(self) -> None:
        validation.check_name("IamCondition.key", self.key, validation.RESOURCE_NAME)


@dataclass(frozen=True)
class ServiceAccountProps:
    """Attributes:
    project_id: the project that owns the account.
    account_id: 6-30 characters; the part before ``@`` of the email.
    display_name: shown in the console. Default: the account id.
    description: why the account exists. Default: empty.
    """

    project_id: str
    account_id: str
    display_name: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        validation.check_name("ServiceAccountProps.account_id", self.account_id, validation.SERVICE_ACCOUNT_ID)


class ServiceAccount(Construct):
    """A service account addressed ``google_service_account.<account_id>``.

    It is created with no roles; each role is granted where it is needed, at the
    narrowest scope. No key is ever created for it. Its email is computed from
    the id, so it is known before apply.
    """

    def __init__(self, scope: Construct, construct_id: str, props: ServiceAccountProps) -> None:
        super().__init__(scope, construct_id)
        self.props = props
        self.resource = pin(
            GoogleServiceAccount(
                self,
                "account",
                project=props.project_id,
                account_id=props.account_id,
                display_name=props.display_name or props.account_id,
                description=props.description or None,
            ),
            props.account_id,
        )
        self._grant_tables = GrantTables.of(scope)

    @property
    def account_id(self) -> str:
        return self.props.account_id

    # References are read once: a second read is a new token, so the same grant
    # asked for twice would differ and its table refuse it (grant_tables.py).
    # The round trips saved are a small part of a synthesis (docs/speed.md).
    @cached_property
    def email(self) -> str:
        """A reference to the email, so that users of it depend on the account."""
        return self.resource.email

    @cached_property
    def member(self) -> str:
        """The IAM member string, ``serviceAccount:<email>``, built on the email reference (one round trip fewer)."""
        return f"serviceAccount:{self.email}"

    @cached_property
    def name_reference(self) -> str:
        """The account's full name, ``projects/<project>/serviceAccounts/<email>``, built on the email reference."""
        return f"projects/{self.props.project_id}/serviceAccounts/{self.email}"

    def grant_project_role(self, role: str, condition: IamCondition | None = None) -> ProjectIamMember:
        """Grants ``role`` on the project to this account, optionally narrowed by ``condition``.

        Returns the table resource that holds the grant.

        Without a condition, the grant is a row ``["<account>/<role>"]`` of the
        stack's table ``google_project_iam_member.grants``; with one, a row
        ``["<account>/<role>/<condition key>"]`` of ``google_project_iam_member.conditioned_grants``,
        whose rows each carry their condition. Granting twice changes nothing. Basic roles and roles that belong on a
        single resource (secret access, object access, acting as an account) are refused.
        """
        where = f"{self.account_id}.project_roles"
        if role in PRIMITIVE_ROLES:
            raise InvalidConfig(where, role, "basic roles are never granted; expected a predefined role")
        if role in RESOURCE_LEVEL_ROLES:
            raise InvalidConfig(where, role, "expected a role for the project; grant this one on the resource itself")
        if not role.startswith("roles/"):
            raise InvalidConfig(where, role, "expected a predefined role such as 'roles/logging.logWriter'")
        kind: TableKind = PROJECT_ROLES
        narrowed_by: tuple[str, ...] = ()
        condition_fields: dict[str, str] = {}
        if condition is not None:
            kind, narrowed_by = CONDITIONED_PROJECT_ROLES, (condition.key,)
            condition_fields = {"title": condition.title, "expression": condition.expression}
        grant: ProjectIamMember = self._grant_tables.grant(
            kind,
            row_key(self.account_id, role, *narrowed_by),
            {"project": self.props.project_id, "role": role, "member": self.member, **condition_fields},
        )
        return grant

    def grant_act_as(self, user: ServiceAccount) -> ServiceAccountIamMember:
        """Lets ``user`` deploy workloads that run as this account, and only this one.

        ``iam.serviceAccountUser`` on this account alone, never on the project:
        a project-level grant would let ``user`` act as every account, the
        deployer included. A row ``["<account>/<user>"]`` of the stack's table
        ``google_service_account_iam_member.grants``.
        """
        grant: ServiceAccountIamMember = self._grant_tables.grant(
            ACCOUNT_USERS,
            row_key(self.account_id, user.account_id),
            {"service_account_id": self.name_reference, "member": user.member},
        )
        return grant

    def grant_identity_tokens(self, user: ServiceAccount) -> ServiceAccountIamMember:
        """Lets ``user`` mint OpenID Connect identity tokens of this account, and no access tokens.

        ``iam.serviceAccountOpenIdTokenCreator`` on this account alone. A row
        ``["<account>/<user>"]`` of the stack's table
        ``google_service_account_iam_member.identity_token_grants``.
        """
        grant: ServiceAccountIamMember = self._grant_tables.grant(
            IDENTITY_TOKEN_CREATORS,
            row_key(self.account_id, user.account_id),
            {"service_account_id": self.name_reference, "member": user.member},
        )
        return grant
