"""A Cloud SQL for PostgreSQL instance with its databases, private and protected."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from cdktn import ITerraformDependable, TerraformResourceLifecycle
from cdktn_provider_google.project_iam_member import ProjectIamMember
from cdktn_provider_google.sql_database import SqlDatabase
from cdktn_provider_google.sql_database_instance import (
    SqlDatabaseInstance,
    SqlDatabaseInstanceSettings,
    SqlDatabaseInstanceSettingsBackupConfiguration,
    SqlDatabaseInstanceSettingsBackupConfigurationBackupRetentionSettings,
    SqlDatabaseInstanceSettingsDatabaseFlags,
    SqlDatabaseInstanceSettingsInsightsConfig,
    SqlDatabaseInstanceSettingsIpConfiguration,
    SqlDatabaseInstanceSettingsMaintenanceWindow,
    SqlDatabaseInstanceSettingsPasswordValidationPolicy,
)
from constructs import Construct

from mindmirror_infra import validation
from mindmirror_infra.constructs.addresses import pin
from mindmirror_infra.constructs.service_account import IamCondition, ServiceAccount
from mindmirror_infra.errors import InvalidConfig

# The newest major version Cloud SQL offers (POSTGRES_18 in the Admin API's
# SqlDatabaseVersion, https://cloud.google.com/sql/docs/postgres/admin-api/rest/v1beta4/SqlDatabaseVersion;
# https://cloud.google.com/sql/docs/postgres/db-versions), with the longest support
# ahead of it. The services' Python drivers (psycopg, asyncpg; *assumed*, see
# the catalog's databases) speak protocol 3.0 and SCRAM-SHA-256, which PostgreSQL 18
# serves unchanged. Nothing is deployed yet, so no instance is upgraded; a later
# major version is an in-place upgrade made on purpose (change this value).
POSTGRES_VERSION = "POSTGRES_18"
# ENTERPRISE explicitly: PostgreSQL 16+ defaults to ENTERPRISE_PLUS, which
# rejects the db-custom-* tiers, and an explicit edition survives an upgrade.
EDITION = "ENTERPRISE"
# Clients are Cloud Run workloads that connect straight to the private IP with
# the URL from their secret (sslmode=require). ENCRYPTED_ONLY refuses every
# unencrypted connection. TRUSTED_CLIENT_CERTIFICATE_REQUIRED would also demand
# a client certificate: that means either the Cloud SQL Auth Proxy or connector
# in every workload, or certificates from google_sql_ssl_cert, whose private key
# would sit in the OpenTofu state (docs/decisions/0007-no-secret-values-in-state.md).
SSL_MODE = "ENCRYPTED_ONLY"
CLIENT_ROLE = "roles/cloudsql.client"

# The logging a CIS review expects of PostgreSQL (CIS Google Cloud Foundations
# 6.2.x) and that checkov's CKV_GCP_ checks look for, in a fixed order so the
# output is deterministic.
LOGGING_FLAGS: tuple[tuple[str, str], ...] = (
    ("log_checkpoints", "on"),  # CKV_GCP_51
    ("log_connections", "on"),  # CIS 6.2.2, CKV_GCP_52
    ("log_disconnections", "on"),  # CIS 6.2.3, CKV_GCP_53
    ("log_lock_waits", "on"),  # CKV_GCP_54
    ("log_min_messages", "warning"),  # CIS 6.2.5, CKV_GCP_55
    ("log_temp_files", "0"),  # CKV_GCP_56: every temporary file is logged
    ("log_min_duration_statement", "-1"),  # CIS 6.2.7, CKV_GCP_57: statements (and their values) are not logged
    ("log_min_error_statement", "error"),  # CIS 6.2.6, CKV_GCP_109
    ("log_error_verbosity", "default"),  # CIS 6.2.1
    ("log_statement", "ddl"),  # CIS 6.2.4, CKV_GCP_111: schema changes, not data
    ("cloudsql.enable_pgaudit", "on"),  # CIS 6.2.8, CKV_GCP_110
    ("pgaudit.log", "ddl,role"),  # what pgAudit records: schema and privilege changes
    # log_hostname stays off (the default) despite CKV_GCP_108: clients have
    # private IPs with no reverse DNS, and the lookup would delay every connection.
    # log_duration stays off despite CKV2_GCP_13: one log entry per statement
    # would cost more than the instance; query insights measures durations.
)


@dataclass(frozen=True)
class CloudSqlInstanceProps:
    """Attributes:
    project_id: the project.
    region: the instance's region.
    name: the instance name; also its address, ``google_sql_database_instance.<name>``.
    databases: the PostgreSQL databases, each ``google_sql_database.<name>_<database>``.
    network_id: the VPC the private IP is attached to.
    tier: ``db-custom-<vCPUs>-<memory MB>`` or a shared-core tier. Default ``db-custom-2-7680``.
    high_availability: REGIONAL (a standby in another zone) or ZONAL. Default ``True``.
    disk_size_gb: the initial SSD size; it grows automatically. Default 20.
    backup_start_time: daily backup start, ``HH:MM`` UTC. Default ``03:00``.
    retained_backups: daily backups kept. Default 7.
    log_retention_days: days of write-ahead log kept for point-in-time recovery (1-7). Default 7.
    max_connections: the ``max_connections`` flag. Default 100.
    maintenance_day: 1 (Monday) to 7 (Sunday). Default 7.
    maintenance_hour: 0-23 UTC. Default 4, after the backup.
    flags: further database flags, by name. Default none; the logging flags and
        ``max_connections`` are set here and refused.
    """

    project_id: str
    region: str
    name: str
    databases: tuple[str, ...]
    network_id: str
    tier: str = "db-custom-2-7680"
    high_availability: bool = True
    disk_size_gb: int = 20
    backup_start_time: str = "03:00"
    retained_backups: int = 7
    log_retention_days: int = validation.SQL_TRANSACTION_LOG_DAYS
    max_connections: int = 100
    maintenance_day: int = 7
    maintenance_hour: int = 4
    flags: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "flags", MappingProxyType(dict(sorted(self.flags.items()))))
        where = "CloudSqlInstanceProps"
        validation.check_name(f"{where}.name", self.name, validation.SQL_INSTANCE_NAME)
        validation.check_database_names(f"{where}.databases", self.databases)
        validation.check_int(f"{where}.log_retention_days", self.log_retention_days, 1, 7)
        validation.check_sql_instance_settings(where, self, self.log_retention_days)
        validation.check_sql_flags(f"{where}.flags", self.flags)
        for name, _ in LOGGING_FLAGS:
            if name in self.flags:
                raise InvalidConfig(f"{where}.flags[{name}]", self.flags[name], "a logging flag the project sets")


class CloudSqlInstance(Construct):
    """One PostgreSQL instance and its databases, reachable only inside the VPC.

    - private IP only: no public IPv4, no authorized networks; it is created
      after ``private_services_connection`` (the API fails otherwise);
    - every connection encrypted (``ssl_mode``, see ``SSL_MODE``);
    - daily backups with point-in-time recovery, kept after the instance is
      deleted; a maintenance window; query insights;
    - the CIS logging flags (``LOGGING_FLAGS``), ``max_connections`` and the props' ``flags``;
    - never lost by a plan: OpenTofu's ``deletion_protection``, the API's
      ``deletion_protection_enabled`` and ``prevent_destroy`` on the instance,
      ``prevent_destroy`` on each database.

    No user and no password is managed here: the application users and their
    URLs are made outside OpenTofu, so no credential reaches the state.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        props: CloudSqlInstanceProps,
        *,
        private_services_connection: ITerraformDependable,
    ) -> None:
        super().__init__(scope, construct_id)
        self.props = props
        flags = [*LOGGING_FLAGS, ("max_connections", str(props.max_connections)), *props.flags.items()]
        self.instance = pin(
            SqlDatabaseInstance(
                self,
                "instance",
                project=props.project_id,
                region=props.region,
                name=props.name,
                database_version=POSTGRES_VERSION,
                deletion_protection=True,
                settings=SqlDatabaseInstanceSettings(
                    edition=EDITION,
                    tier=props.tier,
                    availability_type="REGIONAL" if props.high_availability else "ZONAL",
                    disk_type="PD_SSD",
                    disk_size=props.disk_size_gb,
                    disk_autoresize=True,
                    deletion_protection_enabled=True,
                    retain_backups_on_delete=True,
                    ip_configuration=SqlDatabaseInstanceSettingsIpConfiguration(
                        ipv4_enabled=False,
                        private_network=props.network_id,
                        ssl_mode=SSL_MODE,
                    ),
                    backup_configuration=SqlDatabaseInstanceSettingsBackupConfiguration(
                        enabled=True,
                        start_time=props.backup_start_time,
                        point_in_time_recovery_enabled=True,
                        transaction_log_retention_days=props.log_retention_days,
                        backup_retention_settings=SqlDatabaseInstanceSettingsBackupConfigurationBackupRetentionSettings(
                            retained_backups=props.retained_backups,
                            retention_unit="COUNT",
                        ),
                    ),
                    maintenance_window=SqlDatabaseInstanceSettingsMaintenanceWindow(
                        day=props.maintenance_day,
                        hour=props.maintenance_hour,
                        update_track="stable",
                    ),
                    insights_config=SqlDatabaseInstanceSettingsInsightsConfig(
                        query_insights_enabled=True,
                        query_string_length=1024,
                        record_application_tags=True,
                        record_client_address=False,
                    ),
                    # Passwords are set outside OpenTofu; the API refuses weak ones.
                    password_validation_policy=SqlDatabaseInstanceSettingsPasswordValidationPolicy(
                        enable_password_policy=True,
                        min_length=16,
                        complexity="COMPLEXITY_DEFAULT",
                        disallow_username_substring=True,
                    ),
                    database_flags=[
                        SqlDatabaseInstanceSettingsDatabaseFlags(name=name, value=value) for name, value in flags
                    ],
                ),
                lifecycle=TerraformResourceLifecycle(prevent_destroy=True),
                depends_on=[private_services_connection],
            ),
            props.name,
        )
        self.databases = {
            database: pin(
                SqlDatabase(
                    self,
                    f"database-{database}",
                    project=props.project_id,
                    instance=self.instance.name,
                    name=database,
                    # Should prevent_destroy ever be lifted, the database is
                    # only forgotten by OpenTofu, never dropped with its data.
                    deletion_policy="ABANDON",
                    lifecycle=TerraformResourceLifecycle(prevent_destroy=True),
                ),
                props.name,
                database,
            )
            for database in props.databases
        }

    def grant_connect(self, account: ServiceAccount) -> ProjectIamMember:
        """Lets ``account`` connect to this instance, and no other; returns the table resource that holds the grant.

        ``cloudsql.client`` exists only at project level, so the grant carries an
        IAM condition on this instance's resource name.
        """
        return account.grant_project_role(
            CLIENT_ROLE,
            IamCondition(
                key=self.props.name,
                title=f"Only {self.props.name}",
                expression=(
                    f'resource.name == "projects/{self.props.project_id}/instances/{self.props.name}" '
                    '&& resource.type == "sqladmin.googleapis.com/Instance"'
                ),
            ),
        )
