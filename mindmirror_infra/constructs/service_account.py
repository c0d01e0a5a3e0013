"""A runtime identity: one service account per workload."""

from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_google.service_account import ServiceAccount as GoogleServiceAccount
from constructs import Construct

from mindmirror_infra import validation
from mindmirror_infra.constructs.addresses import pin


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

    @property
    def account_id(self) -> str:
        return self.props.account_id

    @property
    def email(self) -> str:
        """A reference to the email, so that users of it depend on the account."""
        return self.resource.email

    @property
    def member(self) -> str:
        """The IAM member string, ``serviceAccount:<email>``."""
        return self.resource.member
