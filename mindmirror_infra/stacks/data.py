"""Where the system keeps its data: the Cloud SQL instances, Redis and the documents bucket."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cdktn import ITerraformDependable
from constructs import Construct

from mindmirror_infra.catalog import Catalog, Environment
from mindmirror_infra.constructs.bucket import Bucket, BucketProps
from mindmirror_infra.constructs.cloud_sql import CloudSqlInstance, CloudSqlInstanceProps
from mindmirror_infra.constructs.redis import RedisInstance, RedisInstanceProps

DOCUMENTS = "documents"


@dataclass(frozen=True)
class Data:
    """The instances (by catalog instance name), Redis (when a workload uses it) and the documents bucket."""

    instances: dict[str, CloudSqlInstance]
    redis: RedisInstance | None
    documents: Bucket


def build_data(
    scope: Construct,
    catalog: Catalog,
    env: Environment,
    *,
    network_id: str,
    subnetwork_id: str,
    private_services_connection: ITerraformDependable,
    depends_on: Sequence[ITerraformDependable] = (),
) -> Data:
    """``depends_on``: the APIs Redis's connection policy and instance need enabled first."""
    instances = {}
    for database in catalog.databases:
        sizing = env.database_settings(database.instance)
        instances[database.instance] = CloudSqlInstance(
            scope,
            f"sql-{database.instance}",
            CloudSqlInstanceProps(
                project_id=env.project_id,
                region=env.region,
                name=database.instance,
                databases=database.databases,
                network_id=network_id,
                tier=sizing.tier,
                high_availability=sizing.high_availability,
                disk_size_gb=sizing.disk_size_gb,
                backup_start_time=sizing.backup_start_time,
                retained_backups=sizing.retained_backups,
                max_connections=sizing.max_connections,
                maintenance_day=sizing.maintenance_day,
                maintenance_hour=sizing.maintenance_hour,
                flags=sizing.flags,
            ),
            private_services_connection=private_services_connection,
        )
    cache = env.redis
    # Created only for a system whose workloads use it (Service.redis).
    redis = (
        None
        if not catalog.redis_users
        else RedisInstance(
            scope,
            "redis",
            RedisInstanceProps(
                project_id=env.project_id,
                region=env.region,
                instance_id=cache.instance_id,
                network_id=network_id,
                subnetwork_id=subnetwork_id,
                node_type=cache.node_type,
                replica_count=cache.replica_count,
                persistence=cache.persistence,
                rdb_snapshot_period=cache.rdb_snapshot_period,
                engine_version=cache.engine_version,
            ),
            depends_on=depends_on,
        )
    )
    documents = Bucket(
        scope,
        DOCUMENTS,
        BucketProps(project_id=env.project_id, name=env.documents_bucket, location=env.region),
    )
    return Data(instances=instances, redis=redis, documents=documents)
