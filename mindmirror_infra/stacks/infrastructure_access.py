"""How this project's workflow reaches an environment: a read-only planner and an applier, keyless.

Pull requests of the infrastructure repository plan as the planner; `main`
applies as the applier, in the GitHub environment named as the stack's. Each
role below says what it is for; a role is granted only when the stack holds a
resource type it serves. docs/decisions/0019-planner-and-applier.md
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cdktn import TerraformDataSource, TerraformOutput, TerraformResource, TerraformStack
from cdktn_provider_google.storage_bucket_iam_member import StorageBucketIamMember, StorageBucketIamMemberCondition

from mindmirror_infra.catalog import APPLIER_ACCOUNT_ID, PLANNER_ACCOUNT_ID, Catalog, Environment
from mindmirror_infra.constructs.addresses import pin
from mindmirror_infra.constructs.service_account import ServiceAccount, ServiceAccountProps
from mindmirror_infra.constructs.workload_identity import GitHubWorkloadIdentity, GitHubWorkloadIdentityProps
from mindmirror_infra.stacks.identity import Identity

# A pool of its own: a principal set of the deployer's pool names a repository
# by id, and the two repositories may be one; in this pool only subjects are
# trusted, so a pull request's job can never act as the applier or the deployer.
POOL_ID = "github-infrastructure"
PROVIDER_ID = "infrastructure"


@dataclass(frozen=True)
class Need:
    """The roles a kind of resource needs of its project, for reading it and for changing it.

    Attributes:
        types: the OpenTofu types it concerns (``data.<type>`` for data sources).
        planner: read-only roles: ``tofu plan`` refreshes these resources.
        applier: the roles ``tofu apply`` creates, updates and deletes them with.
        why: the reason for each role.
    """

    types: tuple[str, ...]
    planner: tuple[str, ...]
    applier: tuple[str, ...]
    why: str


CLOUD_RUN = (
    "google_cloud_run_v2_service",
    "google_cloud_run_v2_job",
    "google_cloud_run_v2_worker_pool",
    "google_cloud_run_v2_service_iam_member",
    "google_cloud_run_v2_job_iam_member",
    "google_cloud_run_v2_worker_pool_iam_member",
)
IAM_MEMBERS = (
    "google_project_iam_member",
    "google_service_account_iam_member",
    "google_secret_manager_secret_iam_member",
    "google_storage_bucket_iam_member",
    "google_artifact_registry_repository_iam_member",
    *(kind for kind in CLOUD_RUN if kind.endswith("_iam_member")),
)
NETWORK = (
    "google_compute_network",
    "google_compute_subnetwork",
    "google_compute_global_address",
    "google_compute_address",
    "google_compute_router",
    "google_compute_router_nat",
)
# Roles are predefined ones (https://cloud.google.com/iam/docs/understanding-roles),
# never basic: roles/viewer would also read every secret's metadata and every
# object, and the invariants refuse it (mindmirror_infra/invariants.py).
NEEDS = (
    Need(
        ("data.google_project",),
        ("roles/browser",),
        ("roles/browser",),
        "the project's number is read (resourcemanager.projects.get); browser holds little more",
    ),
    Need(
        ("google_project_service",),
        ("roles/serviceusage.serviceUsageViewer",),
        ("roles/serviceusage.serviceUsageAdmin",),
        "APIs: the viewer lists the enabled ones; the admin enables them",
    ),
    Need(
        IAM_MEMBERS,
        ("roles/iam.securityReviewer",),
        (),
        "every IAM member the stack grants is refreshed from its resource's policy (getIamPolicy on each);"
        " the applier sets each policy through the admin role of the resource's product",
    ),
    Need(
        ("google_project_iam_member",),
        (),
        ("roles/resourcemanager.projectIamAdmin",),
        "the runtime accounts' project roles (log, metric and trace writers, Cloud SQL client)",
    ),
    Need(
        NETWORK,
        ("roles/compute.networkViewer",),
        ("roles/compute.networkAdmin",),
        "the VPC, its subnet and reserved ranges; networkAdmin excludes firewall rules",
    ),
    Need(
        ("google_compute_firewall",),
        ("roles/compute.networkViewer",),
        ("roles/compute.securityAdmin",),
        "firewall rules: networkViewer reads them; only securityAdmin may change them",
    ),
    Need(
        ("google_service_networking_connection",),
        ("roles/compute.networkViewer",),
        ("roles/servicenetworking.networksAdmin",),
        "private services access: the peering is read on the network; networksAdmin creates the connection",
    ),
    Need(
        ("google_vpc_access_connector",),
        ("roles/vpcaccess.viewer",),
        ("roles/vpcaccess.admin",),
        "the serverless VPC access connector; admin also lets revisions be created that use it",
    ),
    Need(
        ("google_sql_database_instance", "google_sql_database"),
        ("roles/cloudsql.viewer",),
        ("roles/cloudsql.admin",),
        "Cloud SQL instances and databases (no user, so no password, is managed)",
    ),
    Need(
        ("google_memorystore_instance",),
        ("roles/memorystore.viewer",),
        ("roles/memorystore.admin",),
        "the Memorystore (Valkey/Redis) cache instances",
    ),
    Need(
        ("google_network_connectivity_service_connection_policy",),
        ("roles/networkconnectivity.viewer",),
        ("roles/networkconnectivity.consumerNetworkAdmin",),
        "the service connection policy through which Memorystore reaches the VPC (Private Service Connect)",
    ),
    Need(
        ("google_redis_instance",),
        ("roles/redis.viewer",),
        ("roles/redis.admin",),
        "Memorystore for Redis instances",
    ),
    Need(
        ("google_storage_bucket", "google_storage_bucket_iam_member"),
        ("roles/storage.bucketViewer",),
        ("roles/storage.admin",),
        "buckets: bucketViewer reads their settings and no object; only storage.admin creates buckets"
        " and sets their policies",
    ),
    Need(
        ("google_artifact_registry_repository", "google_artifact_registry_repository_iam_member"),
        ("roles/artifactregistry.reader",),
        ("roles/artifactregistry.admin",),
        "the image repository, its cleanup policies and who may push; repoAdmin may not set its policy",
    ),
    Need(
        CLOUD_RUN,
        ("roles/run.viewer",),
        ("roles/run.admin",),
        "Cloud Run services, jobs and worker pools and who may invoke or deploy them; developer may not set policies",
    ),
    Need(
        ("google_service_account", "google_service_account_iam_member"),
        ("roles/iam.serviceAccountViewer",),
        ("roles/iam.serviceAccountAdmin",),
        "one account per workload, and who may act as or impersonate it",
    ),
    Need(
        ("google_iam_workload_identity_pool", "google_iam_workload_identity_pool_provider"),
        ("roles/iam.workloadIdentityPoolViewer",),
        ("roles/iam.workloadIdentityPoolAdmin",),
        "the pools and providers GitHub's workflows sign in through",
    ),
    Need(
        ("google_logging_metric",),
        ("roles/logging.viewer",),
        ("roles/logging.configWriter",),
        "log-based metrics; configWriter changes logging configuration and reads no log entry",
    ),
    Need(
        ("google_monitoring_alert_policy",),
        ("roles/monitoring.viewer",),
        ("roles/monitoring.alertPolicyEditor",),
        "alert policies",
    ),
    Need(
        ("google_monitoring_notification_channel",),
        ("roles/monitoring.viewer",),
        ("roles/monitoring.notificationChannelEditor",),
        "the email channels alerts notify",
    ),
    Need(
        ("google_monitoring_uptime_check_config",),
        ("roles/monitoring.viewer",),
        ("roles/monitoring.uptimeCheckConfigEditor",),
        "uptime checks of the public services",
    ),
    Need(
        ("google_monitoring_dashboard",),
        ("roles/monitoring.viewer",),
        ("roles/monitoring.dashboardEditor",),
        "dashboards",
    ),
)
# Not grantable from a project's stack: the billing account is above it. Its
# administrator grants billing.viewer to the planner and billing.costsManager to
# the applier, on the billing account (README, Identities of this project's workflow).
BILLING_ACCOUNT_TYPES = ("google_billing_budget",)
# Per secret, never on the project (invariant no-project-secret-access): on the
# project these would reach every secret created later. viewer reads the
# container's metadata and policy and no value; admin updates the container and
# sets who may read it (it could read versions of that secret too: no
# predefined role sets a secret's policy without).
SECRET_PLANNER_ROLE = "roles/secretmanager.viewer"
SECRET_APPLIER_ROLE = "roles/secretmanager.admin"
SECRET_TYPES = ("google_secret_manager_secret", "google_secret_manager_secret_iam_member")
# The state of every environment shares one bucket, made by bootstrap and
# managed by no stack; each account reads (planner) or writes (applier) its own
# environment's prefix only. Plans run with -lock=false (the workflow): a plan
# that writes nothing needs no lock, and the planner can write no object.
STATE_PLANNER_ROLE = "roles/storage.objectViewer"
STATE_APPLIER_ROLE = "roles/storage.objectAdmin"


@dataclass(frozen=True)
class InfrastructureAccess:
    planner: ServiceAccount
    applier: ServiceAccount
    workload_identity: GitHubWorkloadIdentity


def roles_for(types: Iterable[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The planner's and the applier's project roles for a stack holding ``types``, each sorted."""
    present = set(types)
    needed = [need for need in NEEDS if present.intersection(need.types)]
    planner = sorted({role for need in needed for role in need.planner})
    applier = sorted({role for need in needed for role in need.applier})
    return tuple(planner), tuple(applier)


def covered_types() -> set[str]:
    """Every type some need (or the per-secret and billing grants) accounts for."""
    return {kind for need in NEEDS for kind in need.types} | set(SECRET_TYPES) | set(BILLING_ACCOUNT_TYPES)


def stack_types(stack: TerraformStack) -> set[str]:
    """The OpenTofu types of every resource and data source in ``stack`` (``data.<type>`` for the latter)."""
    types: set[str] = set()
    for construct in stack.node.find_all():
        if isinstance(construct, TerraformResource):
            types.add(construct.terraform_resource_type)
        elif isinstance(construct, TerraformDataSource):
            types.add(f"data.{construct.terraform_resource_type}")
    return types


def state_prefix_condition(catalog: Catalog, env: Environment) -> StorageBucketIamMemberCondition:
    """Objects under the environment's state prefix, and the bucket itself so that they can be listed.

    https://cloud.google.com/storage/docs/access-control/iam#conditions
    """
    objects = f"projects/_/buckets/{catalog.state_bucket}/objects/{env.state_prefix}/"
    return StorageBucketIamMemberCondition(
        title=f"{env.name} state only",
        expression=f'resource.type == "storage.googleapis.com/Bucket" || resource.name.startsWith("{objects}")',
    )


def build_infrastructure_access(
    stack: TerraformStack, catalog: Catalog, env: Environment, identity: Identity
) -> InfrastructureAccess:
    """The planner and applier of ``env``; call it once the rest of the stack is built, so every type is known."""
    repository = env.infrastructure_repository
    planner, applier = (
        ServiceAccount(
            stack,
            f"account-{account_id}",
            ServiceAccountProps(
                project_id=env.project_id,
                account_id=account_id,
                description=f"{what} {env.name} from GitHub Actions of {repository.name} through Workload Identity",
            ),
        )
        for account_id, what in ((PLANNER_ACCOUNT_ID, "Plans, read-only,"), (APPLIER_ACCOUNT_ID, "Applies"))
    )
    workload_identity = GitHubWorkloadIdentity(
        stack,
        "github-infrastructure",
        GitHubWorkloadIdentityProps(
            project_id=env.project_id,
            repository=repository.name,
            repository_id=repository.id,
            owner_id=repository.owner_id,
            environment=env.github_environment,
            refs=env.apply_refs,
            pull_requests=True,
            pool_id=POOL_ID,
            provider_id=PROVIDER_ID,
        ),
    )
    # iam.workloadIdentityUser on each account, to one subject each: pull
    # requests plan, main in the GitHub environment applies.
    workload_identity.allow_pull_request_impersonation(planner)
    workload_identity.allow_impersonation(applier)
    for account, role in ((planner, STATE_PLANNER_ROLE), (applier, STATE_APPLIER_ROLE)):
        pin(
            StorageBucketIamMember(
                stack,
                f"state-{account.account_id}",
                bucket=catalog.state_bucket,
                role=role,
                member=account.member,
                condition=state_prefix_condition(catalog, env),
            ),
            account.account_id,
            "state",
        )
    # iam.serviceAccountUser on each runtime account (never on the project):
    # creating or updating a Cloud Run service, job or worker pool that runs as
    # an account needs actAs on it.
    for account in identity.accounts.values():
        account.grant_act_as(applier)
    for secret in identity.secrets.values():
        secret.grant_role(SECRET_PLANNER_ROLE, planner)
        secret.grant_role(SECRET_APPLIER_ROLE, applier)
    planner_roles, applier_roles = roles_for(stack_types(stack))
    for role in planner_roles:
        planner.grant_project_role(role)
    for role in applier_roles:
        applier.grant_project_role(role)
    # What the workflow's auth steps need, as GitHub variables (README).
    outputs = {
        "infrastructure_workload_identity_provider": workload_identity.provider.name,
        "planner_email": planner.email,
        "applier_email": applier.email,
    }
    for name, value in outputs.items():
        TerraformOutput(stack, name, value=value).override_logical_id(name)
    return InfrastructureAccess(planner=planner, applier=applier, workload_identity=workload_identity)
