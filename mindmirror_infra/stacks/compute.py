"""What runs: the image registry, a Cloud Run service or worker pool per service, a migration job per database."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from cdktn import ITerraformDependable, TerraformOutput, TerraformVariable
from constructs import Construct

from mindmirror_infra.catalog import (
    DATABASE_NAME_VARIABLE,
    DATABASE_NAMES_VARIABLE,
    DATABASE_POOL_SIZE_VARIABLE,
    MIGRATIONS_IMAGE,
    REDIS_CA_VARIABLE,
    REDIS_URL_VARIABLE,
    Catalog,
    Environment,
    SecretMount,
    Service,
)
from mindmirror_infra.constructs.addresses import address_name
from mindmirror_infra.constructs.artifact_registry import DockerRepository, DockerRepositoryProps
from mindmirror_infra.constructs.cloud_run_job import CloudRunJob, CloudRunJobProps
from mindmirror_infra.constructs.cloud_run_service import (
    ALL_TO_LATEST,
    CloudRunService,
    CloudRunServiceProps,
    TrafficTarget,
)
from mindmirror_infra.constructs.cloud_run_worker_pool import CloudRunWorkerPool, CloudRunWorkerPoolProps
from mindmirror_infra.constructs.cloud_run_workload import SecretFile, VpcEgress, WorkloadProps
from mindmirror_infra.constructs.network import Network
from mindmirror_infra.constructs.redis import RedisInstance
from mindmirror_infra.errors import InvalidConfig
from mindmirror_infra.stacks.identity import Identity

IMAGE_TAG_VARIABLE = "image_tag"


def build_compute(
    scope: Construct,
    catalog: Catalog,
    env: Environment,
    identity: Identity,
    *,
    network: Network,
    redis: RedisInstance | None,
    depends_on: Sequence[ITerraformDependable] = (),
) -> dict[str, CloudRunService]:
    """Builds the compute tier of ``env`` and returns its HTTP services by name.

    Worker pools reach private ranges by Direct VPC egress from ``network``'s
    subnet; services and jobs too, or through its connector when the
    environment chooses it. Workloads that use Redis get its address from
    ``redis``. ``depends_on`` are the APIs the workloads need enabled first.
    """
    direct = VpcEgress(network=network.vpc.id, subnetwork=network.subnet.id)
    chosen = direct if network.connector is None else VpcEgress(connector=network.connector.id)
    # The tag of the first deployment only: afterwards CI deploys images and the
    # services keep them (docs/decisions/0008-ci-deploys-not-reverted.md), so
    # changing this later changes nothing running.
    image_tag = TerraformVariable(
        scope,
        IMAGE_TAG_VARIABLE,
        type="string",
        default=env.image_tag_default,
        description="Image tag of the first deployment of every service, worker and job; CI deploys later ones",
    )
    image_tag.override_logical_id(IMAGE_TAG_VARIABLE)
    tag = image_tag.string_value

    registry_settings = env.registry
    registry = DockerRepository(
        scope,
        "registry",
        DockerRepositoryProps(
            project_id=env.project_id,
            region=env.region,
            repository_id=registry_settings.repository,
            keep_recent_versions=registry_settings.keep_recent_versions,
            untagged_max_age_days=registry_settings.untagged_max_age_days,
            protected_tag_prefixes=registry_settings.protected_tag_prefixes,
            cleanup_dry_run=registry_settings.cleanup_dry_run,
            description=registry_settings.description,
        ),
    )
    registry.grant_writer(identity.deployer)

    def workload(
        name: str, image: str, mounts: Sequence[SecretMount], variables: Mapping[str, str], egress: VpcEgress = chosen
    ) -> WorkloadProps:
        size = env.services.size_of(name)
        return WorkloadProps(
            project_id=env.project_id,
            region=env.region,
            name=name,
            image=registry.image(image, tag),
            account=identity.accounts[name],
            egress=egress,
            cpu=size.cpu,
            memory=size.memory,
            secrets=tuple(
                SecretFile(m.volume, identity.secrets[m.secret], file=m.file, mount_path=m.mount_path) for m in mounts
            ),
            env=variables,
        )

    after = tuple(depends_on)
    services: dict[str, CloudRunService] = {}
    workers: dict[str, CloudRunWorkerPool] = {}
    for service in catalog.services:
        variables = {key: env.settings[key] for key in service.env}
        database_name = catalog.database_name(service)
        if database_name is not None:
            variables[DATABASE_NAME_VARIABLE] = database_name
            variables[DATABASE_POOL_SIZE_VARIABLE] = str(service.database_pool_size)
        if service.redis and redis is not None:
            variables[REDIS_URL_VARIABLE] = redis.url
            variables[REDIS_CA_VARIABLE] = redis.ca_certificates
        if service.kind == "worker":
            spec = workload(service.name, service.name, service.secrets, variables, direct)
            workers[service.name] = CloudRunWorkerPool(
                scope,
                f"worker-{service.name}",
                CloudRunWorkerPoolProps(workload=spec, instances=env.services.worker_instances),
                depends_on=after,
            )
            continue
        spec = workload(service.name, service.name, service.secrets, variables)
        services[service.name] = CloudRunService(
            scope,
            f"service-{service.name}",
            _service_props(service, spec, env),
            depends_on=after,
        )

    for service in catalog.services:
        for invoker in service.invokers:
            services[service.name].grant_invoke(identity.accounts[invoker])
    for http in services.values():
        http.grant_deploy(identity.deployer)
    for worker in workers.values():
        worker.grant_deploy(identity.deployer)
    for name, served in services.items():
        output = TerraformOutput(scope, f"url-{name}", value=served.url, description=f"HTTPS address of {name}")
        output.override_logical_id(address_name(name, "url"))

    for job in catalog.migration_jobs:
        migration = CloudRunJob(
            scope,
            f"job-{job.name}",
            CloudRunJobProps(
                workload=workload(
                    job.name,
                    MIGRATIONS_IMAGE,
                    job.secrets,
                    {
                        DATABASE_NAMES_VARIABLE: ",".join(job.database.databases),
                        DATABASE_POOL_SIZE_VARIABLE: str(job.pool_size),
                    },
                )
            ),
            depends_on=after,
        )
        migration.grant_deploy(identity.deployer)
    return services


def _service_props(service: Service, spec: WorkloadProps, env: Environment) -> CloudRunServiceProps:
    settings = env.services
    if service.port is None:
        raise InvalidConfig(f"services[{service.name}].port", None, "an HTTP service needs a port")
    split = next((t for t in env.traffic if t.service == service.name), None)
    traffic = (
        ALL_TO_LATEST
        if split is None
        else (
            TrafficTarget(percent=split.latest_percent),
            TrafficTarget(percent=split.stable_percent, revision=split.revision, tag=split.tag),
        )
    )
    return CloudRunServiceProps(
        workload=spec,
        port=service.port,
        min_instances=settings.critical_min_instances if service.critical else 0,
        max_instances=settings.max_instances,
        concurrency=settings.concurrency,
        timeout_seconds=settings.request_timeout_seconds,
        health_path=service.health_path,
        public=service.public,
        traffic=traffic,
    )
