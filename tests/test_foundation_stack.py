"""Provider, state backend, APIs and network of each environment stack."""

from __future__ import annotations

import pytest

from mindmirror_infra.catalog import Catalog
from mindmirror_infra.catalog.apis import REQUIRED_APIS
from tests import variants
from tests.synth import Config, resources, synth_environment

ENVS = ["production", "staging"]


def test_state_lives_in_the_shared_bucket_under_the_environment_prefix(
    stacks: dict[str, Config], catalog: Catalog
) -> None:
    for env, config in stacks.items():
        assert config["terraform"]["backend"] == {"gcs": {"bucket": catalog.state_bucket, "prefix": f"{env}/state"}}


@pytest.mark.parametrize("env", ENVS)
def test_google_provider_is_pinned_and_sourced_from_hashicorp(stacks: dict[str, Config], env: str) -> None:
    required = stacks[env]["terraform"]["required_providers"]
    assert required == {"google": {"source": "hashicorp/google", "version": "8.7.0"}}
    assert stacks[env]["terraform"]["required_version"] == ">= 1.8.0"


def test_provider_targets_each_environments_project(stacks: dict[str, Config], catalog: Catalog) -> None:
    for env in catalog.environments:
        providers = stacks[env.name]["provider"]["google"]
        assert providers[0] == {
            "project": env.project_id,
            "region": env.region,
            "default_labels": {"environment": env.name, "managed_by": "mindmirror-infra"},
        }
        # Further providers serve single resources and are never the default.
        assert all("alias" in provider for provider in providers[1:])


@pytest.mark.parametrize("env", ENVS)
def test_every_required_api_is_enabled_and_never_disabled_on_destroy(stacks: dict[str, Config], env: str) -> None:
    apis = resources(stacks[env], "google_project_service")
    assert sorted(api["service"] for api in apis.values()) == sorted(REQUIRED_APIS)
    assert set(apis) == {api.removesuffix(".googleapis.com") for api in REQUIRED_APIS}
    for api in apis.values():
        assert api["disable_on_destroy"] is False
        assert api["disable_dependent_services"] is False


def test_vpc_is_custom_mode(production: Config, catalog: Catalog) -> None:
    vpc = resources(production, "google_compute_network")
    assert list(vpc) == ["vpc"]
    assert vpc["vpc"]["name"] == catalog.environment("production").network.vpc_name
    assert vpc["vpc"]["auto_create_subnetworks"] is False
    assert len(vpc["vpc"]["depends_on"]) == len(REQUIRED_APIS)


def test_subnet_has_private_google_access_and_flow_logs(production: Config, catalog: Catalog) -> None:
    env = catalog.environment("production")
    subnet = resources(production, "google_compute_subnetwork")["subnet"]
    assert subnet["ip_cidr_range"] == env.network.subnet_cidr
    assert subnet["region"] == env.region
    assert subnet["network"] == "${google_compute_network.vpc.id}"
    assert subnet["private_ip_google_access"] is True
    assert subnet["log_config"]["flow_sampling"] == 0.5


def test_private_service_access_reserves_a_range_and_peers_it(production: Config, catalog: Catalog) -> None:
    reserved = resources(production, "google_compute_global_address")["private_services"]
    assert reserved["purpose"] == "VPC_PEERING"
    assert reserved["address_type"] == "INTERNAL"
    network, length = catalog.environment("production").network.private_services_cidr.split("/")
    assert (reserved["address"], reserved["prefix_length"]) == (network, int(length))
    assert reserved["network"] == "${google_compute_network.vpc.id}"
    peering = resources(production, "google_service_networking_connection")["private_services"]
    assert peering["service"] == "servicenetworking.googleapis.com"
    assert peering["reserved_peering_ranges"] == ["${google_compute_global_address.private_services.name}"]


def test_a_chosen_connector_has_a_dedicated_28_and_instance_bounds() -> None:
    chosen = variants.with_production_part("network", service_egress="connector")
    network = chosen.environments[0].network
    connector = resources(synth_environment(chosen, chosen.environments[0].name), "google_vpc_access_connector")[
        "connector"
    ]
    assert connector["ip_cidr_range"] == network.connector_cidr
    assert connector["ip_cidr_range"].endswith("/28")
    assert connector["network"] == "${google_compute_network.vpc.name}"
    assert (connector["min_instances"], connector["max_instances"]) == (
        network.connector_min_instances,
        network.connector_max_instances,
    )
    assert "max_throughput" not in connector
    assert "min_throughput" not in connector


def test_staging_and_production_share_the_resource_shape(stacks: dict[str, Config], catalog: Catalog) -> None:
    production, staging = stacks["production"], stacks["staging"]
    assert {k: sorted(v) for k, v in production["resource"].items()} == {
        k: sorted(v) for k, v in staging["resource"].items()
    }
    assert catalog.environment("staging").network == catalog.environment("production").network
