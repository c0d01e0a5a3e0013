"""A Secret Manager secret: the container and who may read it, never its value."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from cdktn import TerraformResourceLifecycle
from cdktn_provider_google.secret_manager_secret import (
    SecretManagerSecret,
    SecretManagerSecretReplication,
    SecretManagerSecretReplicationAuto,
)
from cdktn_provider_google.secret_manager_secret_iam_member import SecretManagerSecretIamMember
from constructs import Construct

from mindmirror_infra import validation
from mindmirror_infra.constructs.addresses import pin
from mindmirror_infra.constructs.grant_tables import GrantTables, TableKind, columns, row_key
from mindmirror_infra.constructs.service_account import ServiceAccount

ACCESSOR_ROLE = "roles/secretmanager.secretAccessor"
READERS = TableKind(
    SecretManagerSecretIamMember,
    "google_secret_manager_secret_iam_member",
    fields=("project", "secret_id", "member"),
    attributes={**columns("project", "secret_id", "member"), "role": ACCESSOR_ROLE},
)


@dataclass(frozen=True)
class SecretProps:
    """Attributes:
    project_id: the project that owns the secret.
    secret_id: the secret's id.
    adopt_existing: adopt the secret, created before the first apply with its
        first value, with an OpenTofu ``import`` block (id
        ``projects/<project>/secrets/<id>``). Default ``True``: values are added
        outside OpenTofu (docs/decisions/0007-no-secret-values-in-state.md), so the container is created with its
        first value and then owned here (docs/decisions/0006-bootstrap-then-import.md).
    """

    project_id: str
    secret_id: str
    adopt_existing: bool = True

    def __post_init__(self) -> None:
        validation.check_name("SecretProps.secret_id", self.secret_id, validation.SECRET_ID)


class Secret(Construct):
    """A secret with automatic replication, addressed ``google_secret_manager_secret.<id>``.

    Values are added outside OpenTofu (``gcloud secrets versions add``), so no
    value ever reaches the config or the state (docs/decisions/0007-no-secret-values-in-state.md). The secret is
    protected from deletion twice: ``prevent_destroy`` stops any plan that would
    destroy it, and the API's ``deletion_protection`` stops a console or CLI
    delete.
    """

    def __init__(self, scope: Construct, construct_id: str, props: SecretProps) -> None:
        super().__init__(scope, construct_id)
        self.props = props
        self.resource = pin(
            SecretManagerSecret(
                self,
                "secret",
                project=props.project_id,
                secret_id=props.secret_id,
                replication=SecretManagerSecretReplication(auto=SecretManagerSecretReplicationAuto()),
                deletion_protection=True,
                lifecycle=TerraformResourceLifecycle(prevent_destroy=True),
            ),
            props.secret_id,
        )
        if props.adopt_existing:
            # A no-op once the address is in the state, so it stays safe on every later apply.
            self.resource.import_from(f"projects/{props.project_id}/secrets/{props.secret_id}")
        self._grant_tables = GrantTables.of(scope)

    @property
    def secret_id(self) -> str:
        return self.props.secret_id

    @cached_property
    def secret_id_reference(self) -> str:
        """The secret id as a reference to the resource, read once (each read is a jsii round trip)."""
        return self.resource.secret_id

    def grant_read(self, account: ServiceAccount) -> SecretManagerSecretIamMember:
        """Lets ``account`` read this secret, and only this one; returns the table resource that holds the grant.

        A row ``["<secret>/<account>"]`` of the stack's table
        ``google_secret_manager_secret_iam_member.grants``. Granting twice
        changes nothing, so every workload that mounts the secret can ask for
        it. A workload should depend on the grant: a Cloud Run revision that
        cannot read its secrets fails to start.
        """
        grant: SecretManagerSecretIamMember = self._grant_tables.grant(
            READERS,
            row_key(self.props.secret_id, account.account_id),
            {"project": self.props.project_id, "secret_id": self.secret_id_reference, "member": account.member},
        )
        return grant
