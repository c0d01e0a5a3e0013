"""An Artifact Registry Docker repository, adopted from the bootstrap, with image retention."""

from __future__ import annotations

from dataclasses import dataclass

from cdktn import TerraformResourceLifecycle
from cdktn_provider_google.artifact_registry_repository import (
    ArtifactRegistryRepository,
    ArtifactRegistryRepositoryCleanupPolicies,
    ArtifactRegistryRepositoryCleanupPoliciesCondition,
    ArtifactRegistryRepositoryCleanupPoliciesMostRecentVersions,
    ArtifactRegistryRepositoryVulnerabilityScanningConfig,
)
from cdktn_provider_google.artifact_registry_repository_iam_member import ArtifactRegistryRepositoryIamMember
from constructs import Construct

from mindmirror_infra import validation
from mindmirror_infra.constructs.addresses import pin
from mindmirror_infra.constructs.service_account import ServiceAccount

# Push and tag images in this repository only; no delete, no IAM changes.
WRITER_ROLE = "roles/artifactregistry.writer"
# Scanning follows the project's Container Scanning API, which the stack
# enables: every pushed image is scanned.
SCANNING_ON = "INHERITED"
SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class DockerRepositoryProps:
    """Attributes:
    project_id: the project.
    region: the repository's location, such as ``us-central1``.
    repository_id: the repository name.
    keep_recent_versions: newest versions kept per image, whatever their tags. Default 10.
    untagged_max_age_days: untagged versions older than this are deleted. Default 30.
    protected_tag_prefixes: versions with a tag starting with one of these are
        never deleted. Default ``("v",)``: release tags such as ``v1.2.3``.
    cleanup_dry_run: report what cleanup would delete without deleting. Default ``False``.
    description: Default none.
    """

    project_id: str
    region: str
    repository_id: str
    keep_recent_versions: int = 10
    untagged_max_age_days: int = 30
    protected_tag_prefixes: tuple[str, ...] = ("v",)
    cleanup_dry_run: bool = False
    description: str = ""

    def __post_init__(self) -> None:
        where = f"docker_repository[{self.repository_id}]"
        validation.check_name(f"{where}.repository_id", self.repository_id, validation.RESOURCE_NAME)
        validation.check_int(f"{where}.keep_recent_versions", self.keep_recent_versions, 1, 1000)
        validation.check_int(f"{where}.untagged_max_age_days", self.untagged_max_age_days, 1, 3650)
        validation.check_tag_prefixes(f"{where}.protected_tag_prefixes", self.protected_tag_prefixes)

    @property
    def import_id(self) -> str:
        return f"projects/{self.project_id}/locations/{self.region}/repositories/{self.repository_id}"

    @property
    def url(self) -> str:
        """Where images are pushed and pulled: ``<region>-docker.pkg.dev/<project>/<repository>``."""
        return f"{self.region}-docker.pkg.dev/{self.project_id}/{self.repository_id}"


class DockerRepository(Construct):
    """A Docker repository addressed ``google_artifact_registry_repository.<repository_id>``.

    The bootstrap creates it, because images are pushed before the first apply
    can create services; an ``import`` block hands it to OpenTofu (docs/decisions/0006-bootstrap-then-import.md).
    It holds every deployable image, so ``prevent_destroy`` refuses any plan
    that would delete it.

    Cleanup policies: Artifact Registry keeps a version that any KEEP policy
    matches, whatever a DELETE policy says, so:
    - ``keep-recent`` keeps the newest versions of each image (rollback targets);
    - ``keep-releases`` keeps every version with a protected tag, however old;
    - ``delete-untagged`` deletes the other untagged versions once old enough.
    """

    def __init__(self, scope: Construct, construct_id: str, props: DockerRepositoryProps) -> None:
        super().__init__(scope, construct_id)
        self.props = props
        self.resource = pin(
            ArtifactRegistryRepository(
                self,
                "repository",
                project=props.project_id,
                location=props.region,
                repository_id=props.repository_id,
                format="DOCKER",
                description=props.description or None,
                cleanup_policy_dry_run=props.cleanup_dry_run,
                cleanup_policies=[
                    ArtifactRegistryRepositoryCleanupPolicies(
                        id="keep-recent",
                        action="KEEP",
                        most_recent_versions=ArtifactRegistryRepositoryCleanupPoliciesMostRecentVersions(
                            keep_count=props.keep_recent_versions
                        ),
                    ),
                    ArtifactRegistryRepositoryCleanupPolicies(
                        id="keep-releases",
                        action="KEEP",
                        condition=ArtifactRegistryRepositoryCleanupPoliciesCondition(
                            tag_state="TAGGED", tag_prefixes=list(props.protected_tag_prefixes)
                        ),
                    ),
                    ArtifactRegistryRepositoryCleanupPolicies(
                        id="delete-untagged",
                        action="DELETE",
                        condition=ArtifactRegistryRepositoryCleanupPoliciesCondition(
                            tag_state="UNTAGGED",
                            # The API stores durations in seconds; "30d" would read back
                            # as "2592000s" and show a diff on every plan.
                            older_than=f"{props.untagged_max_age_days * SECONDS_PER_DAY}s",
                        ),
                    ),
                ],
                vulnerability_scanning_config=ArtifactRegistryRepositoryVulnerabilityScanningConfig(
                    enablement_config=SCANNING_ON
                ),
                lifecycle=TerraformResourceLifecycle(prevent_destroy=True),
            ),
            props.repository_id,
        )
        self.resource.import_from(props.import_id)

    def image(self, name: str, tag: str) -> str:
        """The reference of one image: ``<region>-docker.pkg.dev/<project>/<repository>/<name>:<tag>``."""
        validation.check_name(f"docker_repository[{self.props.repository_id}].image", name, validation.RESOURCE_NAME)
        return f"{self.props.url}/{name}:{tag}"

    def grant_writer(self, account: ServiceAccount) -> ArtifactRegistryRepositoryIamMember:
        """Lets ``account`` push images to this repository, and no other."""
        return pin(
            ArtifactRegistryRepositoryIamMember(
                self,
                f"writer-{account.account_id}",
                project=self.resource.project,
                location=self.resource.location,
                repository=self.resource.name,
                role=WRITER_ROLE,
                member=account.member,
            ),
            self.props.repository_id,
            "writer",
            account.account_id,
        )
