"""One environment of the system as one OpenTofu root module."""

from __future__ import annotations

from cdktn import Fn, GcsBackend, TerraformStack
from cdktn_provider_google.provider import GoogleProvider
from constructs import Construct

from mindmirror_infra.catalog import Catalog, Environment
from mindmirror_infra.catalog.apis import REQUIRED_APIS
from mindmirror_infra.constructs.network import Network, NetworkProps
from mindmirror_infra.constructs.project_apis import ProjectApis, ProjectApisProps
from mindmirror_infra.stacks.compute import build_compute
from mindmirror_infra.stacks.data import build_data
from mindmirror_infra.stacks.deployer import build_deployer
from mindmirror_infra.stacks.identity import build_identity
from mindmirror_infra.stacks.infrastructure_access import build_infrastructure_access
from mindmirror_infra.stacks.operations import build_operations
from mindmirror_infra.stacks.runtime_access import grant_runtime_access

# import blocks and moved blocks need OpenTofu 1.5+; 1.8 brings early evaluation
# of backend settings and is the oldest release still patched.
REQUIRED_TOFU_VERSION = ">= 1.8.0"
# What Memorystore's Private Service Connect needs enabled before its policy and instance.
# https://cloud.google.com/memorystore/docs/valkey/networking
REDIS_APIS = (
    "memorystore.googleapis.com",
    "networkconnectivity.googleapis.com",
    "serviceconsumermanagement.googleapis.com",
)


class EnvironmentStack(TerraformStack):
    """The whole system in one environment: provider, state, APIs, network and tiers."""

    def __init__(self, scope: Construct, catalog: Catalog, env: Environment) -> None:
        super().__init__(scope, env.name)
        self.add_override("terraform.required_version", REQUIRED_TOFU_VERSION)
        GoogleProvider(
            self,
            "google",
            project=env.project_id,
            region=env.region,
            default_labels={"environment": env.name, "managed_by": "mindmirror-infra"},
        )
        GcsBackend(self, bucket=catalog.state_bucket, prefix=env.state_prefix)
        apis = ProjectApis(self, "apis", ProjectApisProps(project_id=env.project_id, apis=REQUIRED_APIS))
        network = env.network
        networking = Network(
            self,
            "network",
            NetworkProps(
                project_id=env.project_id,
                region=env.region,
                vpc_name=network.vpc_name,
                subnet_name=network.subnet_name,
                subnet_cidr=network.subnet_cidr,
                private_services_cidr=network.private_services_cidr,
                connector_name=network.connector_name,
                connector_cidr=network.connector_cidr,
                connector_min_instances=network.connector_min_instances,
                connector_max_instances=network.connector_max_instances,
                connector_machine_type=network.connector_machine_type,
                with_connector=network.uses_connector,
            ),
            depends_on=apis.all,
        )
        identity = build_identity(self, catalog, env)
        data = build_data(
            self,
            catalog,
            env,
            network_id=networking.vpc.id,
            subnetwork_id=networking.subnet.id,
            private_services_connection=networking.private_services_connection,
            depends_on=[apis.services[api] for api in REDIS_APIS],
        )
        grant_runtime_access(catalog, identity, data)
        build_deployer(self, catalog, env, identity)
        services = build_compute(
            self,
            catalog,
            env,
            identity,
            network=networking,
            redis=data.redis,
            depends_on=[apis.services["run.googleapis.com"]],
        )
        public_hosts = {
            name: Fn.trimprefix(service.url, "https://")
            for name, service in services.items()
            if catalog.service(name).public
        }
        build_operations(self, catalog, env, public_hosts=public_hosts)
        # Last: the planner's and applier's roles follow from every type the stack holds.
        build_infrastructure_access(self, catalog, env, identity)
