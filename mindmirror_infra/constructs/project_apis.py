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
    """

    project_id: str
    apis: Sequence[str]


class ProjectApis(Construct):
    """One ``google_project_service`` per API, addressed by the API's short name.

    An API is never disabled when the resource is destroyed: disabling one tears
    down everything that uses it.
    """

    def __init__(self, scope: Construct, construct_id: str, props: ProjectApisProps) -> None:
        super().__init__(scope, construct_id)
        self.services: dict[str, ProjectService] = {}
        for api in props.apis:
            if not api.endswith(".googleapis.com"):
                raise InvalidConfig("apis", api, "expected a service name ending in '.googleapis.com'")
            self.services[api] = pin(
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

    @property
    def all(self) -> list[ProjectService]:
        return list(self.services.values())


def short_name(api: str) -> str:
    """``run.googleapis.com`` -> ``run``."""
    return api.removesuffix(".googleapis.com")
