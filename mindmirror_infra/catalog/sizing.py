"""What the environment's limits must hold: database connections and Direct VPC addresses.

Both checks add up what every workload may use at its maximum scale and refuse
a catalog whose limit is smaller, naming the limit's field, the workloads and
the numbers (docs/decisions/0015-data-plane.md).
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from mindmirror_infra.errors import InvalidConfig

if TYPE_CHECKING:
    from mindmirror_infra.catalog.catalog import Catalog
    from mindmirror_infra.catalog.environment import Environment

# Cloud Run's Direct VPC IP rule (https://cloud.google.com/run/docs/configuring/vpc-direct-vpc#direct-vpc-ip-allocation),
# checked 2026-12-02 on stored copies:
# - addresses are reserved in blocks of 16 (/28): confirmed on that page;
# - about twice as many addresses as instances: confirmed on
#   https://cloud.google.com/run/docs/configuring/networking-best-practices#monitor-ip-usage
#   ("multiply the instance count by 2"; one older stored copy says 4);
# - a scaled-down revision keeps its addresses for a while, so the old and the
#   new revision hold them side by side during a deployment, and the subnet
#   must be /26 or larger: unverified, not on the stored copies read.
DIRECT_VPC_ADDRESSES_PER_INSTANCE = 2
DIRECT_VPC_BLOCK = 16
DIRECT_VPC_REVISIONS_DURING_DEPLOY = 2
DIRECT_VPC_MIN_PREFIX = 26
# Every subnet's primary range has four addresses no resource can use
# (https://cloud.google.com/vpc/docs/subnets#unusable-ip-addresses-in-every-subnet).
SUBNET_UNUSABLE_ADDRESSES = 4
# The Memorystore instance's Private Service Connect endpoints in the subnet:
# discovery, primary and reader (https://cloud.google.com/memorystore/docs/valkey/networking).
MEMORYSTORE_ENDPOINTS = 3


def workload_instances(catalog: Catalog, env: Environment) -> dict[str, int]:
    """The most instances of every workload at once: services, worker pools and one task per migration job."""
    settings = env.services
    counts = {
        s.name: settings.worker_instances if s.kind == "worker" else settings.max_instances for s in catalog.services
    }
    counts.update({job.name: 1 for job in catalog.migration_jobs})
    return counts


def check_connection_budgets(catalog: Catalog, env: Environment) -> None:
    """On every instance: the sum of max instances x pool size, plus reserved connections, fits ``max_connections``."""
    instances = workload_instances(catalog, env)
    for database in catalog.databases:
        settings = env.database_settings(database.instance)
        users = [
            (s.name, instances[s.name], s.database_pool_size)
            for s in catalog.services
            if s.database == database.instance
        ]
        users += [(j.name, 1, j.pool_size) for j in catalog.migration_jobs if j.database is database]
        needed = sum(count * pool for _, count, pool in users) + settings.reserved_connections
        if needed > settings.max_connections:
            terms = " + ".join(f"{name} {count}x{pool}" for name, count, pool in users)
            raise InvalidConfig(
                env.database_field(database.instance, "max_connections"),
                settings.max_connections,
                f"{database.instance} needs {needed} connections ({terms} + {settings.reserved_connections} reserved); "
                "expected max_connections of at least that, or fewer instances or smaller pools",
            )


def direct_vpc_workloads(catalog: Catalog, env: Environment) -> dict[str, int]:
    """The workloads on Direct VPC egress, with their most instances: worker pools always, the rest by choice."""
    instances = workload_instances(catalog, env)
    if env.network.uses_connector:
        return {s.name: instances[s.name] for s in catalog.services if s.kind == "worker"}
    return instances


def direct_vpc_addresses(instances: int) -> int:
    blocks = -(-instances * DIRECT_VPC_ADDRESSES_PER_INSTANCE // DIRECT_VPC_BLOCK)
    return blocks * DIRECT_VPC_BLOCK * DIRECT_VPC_REVISIONS_DURING_DEPLOY


def check_direct_vpc_subnet(catalog: Catalog, env: Environment) -> None:
    """The subnet holds every Direct VPC workload at its maximum scale, during a deployment, and Redis's endpoints."""
    workloads = direct_vpc_workloads(catalog, env)
    if not workloads:
        return
    field = f"environments[{env.name}].network.subnet_cidr"
    subnet = ipaddress.IPv4Network(env.network.subnet_cidr)
    if subnet.prefixlen > DIRECT_VPC_MIN_PREFIX:
        raise InvalidConfig(
            field, env.network.subnet_cidr, f"Direct VPC egress needs a /{DIRECT_VPC_MIN_PREFIX} or larger"
        )
    needed = sum(direct_vpc_addresses(count) for count in workloads.values()) + MEMORYSTORE_ENDPOINTS
    usable = subnet.num_addresses - SUBNET_UNUSABLE_ADDRESSES
    if needed > usable:
        raise InvalidConfig(
            field,
            env.network.subnet_cidr,
            f"{usable} usable addresses, but {len(workloads)} workloads on Direct VPC egress need {needed} "
            f"(2 per instance in blocks of 16, twice during a deployment, and {MEMORYSTORE_ENDPOINTS} for Redis); "
            "expected a larger range",
        )
