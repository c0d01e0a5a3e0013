"""Where the system keeps its data: the Cloud SQL instances and the documents bucket."""

from __future__ import annotations

from dataclasses import dataclass

from cdktn import ITerraformDependable
from constructs import Construct

from mindmirror_infra.catalog import Catalog, Environment
from mindmirror_infra.constructs.bucket import Bucket, BucketProps
from mindmirror_infra.constructs.cloud_sql import CloudSqlInstance, CloudSqlInstanceProps

DOCUMENTS = "documents"


@dataclass(frozen=True)
class Data:
    """The instances (by catalog instance name) and the documents bucket of one environment."""

    instances: dict[str, CloudSqlInstance]
    documents: Bucket


def build_data(
    scope: Construct,
    catalog: Catalog,
    env: Environment,
    *,
    network_id: str,
    private_services_connection: ITerraformDependable,
) -> Data:
    sizing = env.database
    instances = {
        database.instance: CloudSqlInstance(
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
            ),
            private_services_connection=private_services_connection,
        )
        for database in catalog.databases
    }
    documents = Bucket(
        scope,
        DOCUMENTS,
        BucketProps(project_id=env.project_id, name=env.documents_bucket, location=env.region),
    )
    return Data(instances=instances, documents=documents)
