"""What the application repository's workflows deploy, read from the catalog.

The workflows and scripts are rendered from this plan only, so a service added
to the catalog is built, migrated, deployed and offered for rollback with no
other edit. See docs/decisions/0011-delivery-from-catalog.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from mindmirror_infra.catalog import DEPLOYER_ACCOUNT_ID, MIGRATIONS_IMAGE, Catalog, Environment, Service

BRANCHES, TAGS = "refs/heads/", "refs/tags/"
# Where each image's Dockerfile lives in the application repository, built
# with the repository's root as context (the strategy's `-f <service>/Dockerfile .`).
DOCKERFILE = "{name}/Dockerfile"


@dataclass(frozen=True)
class Image:
    """One image built and pushed by build-and-push: a workload's, or the migrations image."""

    name: str
    dockerfile: str
    # The workloads whose deploy needs this image: itself, or for migrations
    # every workload with a database.
    used_by: tuple[str, ...]


@dataclass(frozen=True)
class Workload:
    """A service or worker pool the deploy and rollback workflows handle.

    Attributes:
        name: the Cloud Run name, also its image's name.
        kind: ``service`` (``gcloud run deploy``) or ``worker-pool``
            (``gcloud beta run worker-pools deploy``: worker pools are beta in gcloud).
        health_path: the path checked after a deploy; empty for a worker pool (no URL).
        private: its URL needs an identity token (not public).
        smoke: the catalog's smoke command, or empty.
        migration_job: the job that migrates its database first, or empty.
    """

    name: str
    kind: Literal["service", "worker-pool"]
    health_path: str
    private: bool
    smoke: str
    migration_job: str


@dataclass(frozen=True)
class Target:
    """One environment as the workflows see it.

    ``branches`` and ``tags`` are its ``deploy_refs`` (a final ``*`` a
    prefix): the deployer's trust admits jobs from those refs only, in the
    GitHub environment ``github_environment``.
    """

    name: str
    github_environment: str
    project_id: str
    region: str
    registry: str
    deployer: str
    refs: tuple[str, ...]
    branches: tuple[str, ...]
    tags: tuple[str, ...]

    @property
    def variable(self) -> str:
        """The environment in the names of GitHub Actions variables: ``PRODUCTION``."""
        return self.name.upper().replace("-", "_")

    @property
    def provider_variable(self) -> str:
        """The GitHub Actions variable holding the stack's ``workload_identity_provider`` output.

        The provider's name carries the project number, which the catalog does
        not know, so the user copies it from ``tofu output`` once.
        """
        return f"WORKLOAD_IDENTITY_PROVIDER_{self.variable}"


@dataclass(frozen=True)
class DeliveryPlan:
    repository: str
    targets: tuple[Target, ...]
    workloads: tuple[Workload, ...]
    images: tuple[Image, ...]

    @property
    def migration_jobs(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(w.migration_job for w in self.workloads if w.migration_job))


def _target(env: Environment) -> Target:
    return Target(
        name=env.name,
        github_environment=env.github_environment,
        project_id=env.project_id,
        region=env.region,
        registry=f"{env.region}-docker.pkg.dev/{env.project_id}/{env.registry.repository}",
        deployer=f"{DEPLOYER_ACCOUNT_ID}@{env.project_id}.iam.gserviceaccount.com",
        refs=env.deploy_refs,
        branches=tuple(r.removeprefix(BRANCHES) for r in env.deploy_refs if r.startswith(BRANCHES)),
        tags=tuple(r.removeprefix(TAGS) for r in env.deploy_refs if r.startswith(TAGS)),
    )


def _workload(catalog: Catalog, service: Service) -> Workload:
    database = catalog.database(service.database) if service.database else None
    return Workload(
        name=service.name,
        kind="service" if service.kind == "http" else "worker-pool",
        health_path=service.health_path if service.kind == "http" else "",
        private=service.kind == "http" and not service.public,
        smoke=service.smoke,
        migration_job=database.migration_job if database else "",
    )


def delivery_plan(catalog: Catalog) -> DeliveryPlan:
    workloads = tuple(_workload(catalog, s) for s in catalog.services)
    images = [Image(w.name, DOCKERFILE.format(name=w.name), (w.name,)) for w in workloads]
    migrated = tuple(w.name for w in workloads if w.migration_job)
    if migrated:
        images.append(Image(MIGRATIONS_IMAGE, DOCKERFILE.format(name=MIGRATIONS_IMAGE), migrated))
    repositories = {env.github_repository.name for env in catalog.environments}
    return DeliveryPlan(
        # The catalog checks each environment's repository; the workflows live in one.
        repository=sorted(repositories)[0],
        targets=tuple(_target(env) for env in catalog.environments),
        workloads=workloads,
        images=tuple(images),
    )
