"""Enabled Google APIs of a project."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktn_provider_google.project_service import ProjectService
from constructs import Construct

from mindmirror_infra.constructs.addresses import pin
from mindmirror_infra.errors import InvalidConfig


@dataclass(frozen=True)
class ProjectApisProps:
    """Attributes:
    project_id: the project whose APIs are enabled.
    apis: service names such as ``run.googleapis.com``.
    adopt_existing: adopt each API, already enabled before the first apply,
        with an OpenTofu ``import`` block (id ``<project>/<service>``).
        Default ``True``: a project needs its APIs before OpenTofu can create
        anything in it, so they are enabled first (docs/decisions/0006-bootstrap-then-import.md) and then owned here.
    """

    project_id: str
    apis: Sequence[str]
    adopt_existing: bool = True


class ProjectApis(Construct):
    """One ``google_project_service`` per API, addressed by the API's short name.

    An API is never disabled when the resource is destroyed: disabling one tears
    down everything that uses it. An ``import`` block for an address already in
    the state is a no-op, so adopting stays safe on every later apply.
    """

    def __init__(self, scope: Construct, construct_id: str, props: ProjectApisProps) -> None:
        super().__init__(scope, construct_id)
        self.services: dict[str, ProjectService] = {}
        for api in props.apis:
            if not api.endswith(".googleapis.com"):
                raise InvalidConfig("apis", api, "expected a service name ending in '.googleapis.com'")
            service = pin(
                ProjectService(
                    self,
                    api,
                    project=props.project_id,
                    service=api,
                    disable_on_destroy=False,
                    disable_dependent_services=False,
                ),
                short_name(api),
            )
            if props.adopt_existing:
                service.import_from(f"{props.project_id}/{api}")
            self.services[api] = service

    @property
    def all(self) -> list[ProjectService]:
        return list(self.services.values())


def short_name(api: str) -> str:
    """``run.googleapis.com`` -> ``run``."""
    return api.removesuffix(".googleapis.com")
