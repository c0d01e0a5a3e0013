"""The private network: a VPC, its subnet, private service access and, when chosen, a VPC connector."""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from cdktn import ITerraformDependable
from cdktn_provider_google.compute_firewall import ComputeFirewall, ComputeFirewallDeny, ComputeFirewallLogConfig
from cdktn_provider_google.compute_global_address import ComputeGlobalAddress
from cdktn_provider_google.compute_network import ComputeNetwork
from cdktn_provider_google.compute_subnetwork import ComputeSubnetwork, ComputeSubnetworkLogConfig
from cdktn_provider_google.service_networking_connection import ServiceNetworkingConnection
from cdktn_provider_google.vpc_access_connector import VpcAccessConnector
from constructs import Construct

from mindmirror_infra import validation
from mindmirror_infra.constructs.addresses import pin


@dataclass(frozen=True)
class NetworkProps:
    """Attributes:
    project_id: the project.
    region: the region of the subnet and the connector.
    vpc_name, subnet_name, connector_name: resource names.
    subnet_cidr: the subnet's primary range.
    private_services_cidr: the global range peered for private service access.
    connector_cidr: the connector's dedicated ``/28``.
    connector_min_instances / connector_max_instances: Default 2 / 3, the API's minimum.
    connector_machine_type: Default ``e2-standard-4``.
    with_connector: create the connector. Default ``False``: workloads use
        Direct VPC egress from the subnet (docs/decisions/0015-data-plane.md).
    """

    project_id: str
    region: str
    vpc_name: str
    subnet_name: str
    subnet_cidr: str
    private_services_cidr: str
    connector_name: str
    connector_cidr: str
    connector_min_instances: int = 2
    connector_max_instances: int = 3
    connector_machine_type: str = "e2-standard-4"
    with_connector: bool = False

    def __post_init__(self) -> None:
        validation.check_cidr("NetworkProps.connector_cidr", self.connector_cidr, 28)


class Network(Construct):
    """A custom-mode VPC with everything Cloud Run and Cloud SQL need to talk privately.

    - the VPC creates no subnets of its own (custom mode) and no default internet
      route is removed, so Cloud NAT can be added later;
    - the subnet has Private Google Access and flow logs (sampled at 50 %);
    - a reserved global range is peered to Google's service producer network, so
      Cloud SQL gets private IPs only (``private_services_connection``);
    - Cloud Run reaches private ranges by Direct VPC egress from the subnet, or,
      ``with_connector``, through a serverless VPC access connector on its
      dedicated ``/28`` (``connector`` is ``None`` otherwise);
    - ingress from anywhere is denied, with every denied connection logged, by a
      rule just above the implied one (priority 65534). Nothing in the VPC serves
      requests: Cloud Run is reached through Google's front end, Cloud SQL sits in
      the peered producer network, and the health-check rules Google creates for
      the connector (priority 1000) still win.

    Instances always depend on ``private_services_connection`` (Cloud SQL fails
    to create otherwise); pass it as a dependency.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        props: NetworkProps,
        *,
        depends_on: Sequence[ITerraformDependable] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        after_apis = list(depends_on)
        self.vpc = pin(
            ComputeNetwork(
                self,
                "vpc",
                project=props.project_id,
                name=props.vpc_name,
                auto_create_subnetworks=False,
                routing_mode="REGIONAL",
                depends_on=after_apis,
            ),
            "vpc",
        )
        self.subnet = pin(
            ComputeSubnetwork(
                self,
                "subnet",
                project=props.project_id,
                name=props.subnet_name,
                region=props.region,
                network=self.vpc.id,
                ip_cidr_range=props.subnet_cidr,
                private_ip_google_access=True,
                log_config=ComputeSubnetworkLogConfig(
                    aggregation_interval="INTERVAL_10_MIN",
                    flow_sampling=0.5,
                    metadata="INCLUDE_ALL_METADATA",
                ),
            ),
            "subnet",
        )
        reserved = ipaddress.IPv4Network(props.private_services_cidr)
        self.private_services_range = pin(
            ComputeGlobalAddress(
                self,
                "private_services_range",
                project=props.project_id,
                name=f"{props.vpc_name}-private-services",
                purpose="VPC_PEERING",
                address_type="INTERNAL",
                address=str(reserved.network_address),
                prefix_length=reserved.prefixlen,
                network=self.vpc.id,
            ),
            "private_services",
        )
        self.private_services_connection = pin(
            ServiceNetworkingConnection(
                self,
                "private_services_connection",
                network=self.vpc.id,
                service="servicenetworking.googleapis.com",
                reserved_peering_ranges=[self.private_services_range.name],
                # Deleting the peering fails while Cloud SQL instances still use
                # it; abandoning it lets a deliberate teardown finish.
                deletion_policy="ABANDON",
            ),
            "private_services",
        )
        pin(
            ComputeFirewall(
                self,
                "deny_all_ingress",
                project=props.project_id,
                name=f"{props.vpc_name}-deny-all-ingress",
                network=self.vpc.id,
                description="Denies and logs every inbound connection not allowed by a more specific rule",
                direction="INGRESS",
                priority=65534,
                source_ranges=["0.0.0.0/0"],
                deny=[ComputeFirewallDeny(protocol="all")],
                log_config=ComputeFirewallLogConfig(metadata="INCLUDE_ALL_METADATA"),
            ),
            "deny_all_ingress",
        )
        self.connector = (
            pin(
                VpcAccessConnector(
                    self,
                    "connector",
                    project=props.project_id,
                    name=props.connector_name,
                    region=props.region,
                    network=self.vpc.name,
                    ip_cidr_range=props.connector_cidr,
                    machine_type=props.connector_machine_type,
                    # The API takes instance counts or throughput, not both.
                    min_instances=props.connector_min_instances,
                    max_instances=props.connector_max_instances,
                    depends_on=after_apis,
                ),
                "connector",
            )
            if props.with_connector
            else None
        )
