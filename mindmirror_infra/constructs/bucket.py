"""A private Cloud Storage bucket whose objects are never lost by accident."""

from __future__ import annotations

from dataclasses import dataclass

from cdktn import TerraformResourceLifecycle
from cdktn_provider_google.storage_bucket import (
    StorageBucket,
    StorageBucketLifecycleRule,
    StorageBucketLifecycleRuleAction,
    StorageBucketLifecycleRuleCondition,
    StorageBucketVersioning,
)
from cdktn_provider_google.storage_bucket_iam_member import StorageBucketIamMember
from constructs import Construct

from mindmirror_infra import validation
from mindmirror_infra.constructs.addresses import pin
from mindmirror_infra.constructs.service_account import ServiceAccount

READER_ROLE = "roles/storage.objectViewer"


@dataclass(frozen=True)
class BucketProps:
    """Attributes:
    project_id: the project that owns the bucket.
    name: the bucket name (global).
    location: a region or multi-region, such as ``us-central1``.
    noncurrent_version_days: how long an overwritten or deleted object's
        previous version is kept. Default 30.
    """

    project_id: str
    name: str
    location: str
    noncurrent_version_days: int = 30

    def __post_init__(self) -> None:
        validation.check_bucket_name("BucketProps.name", self.name)
        validation.check_int("BucketProps.noncurrent_version_days", self.noncurrent_version_days, 1, 3650)


class Bucket(Construct):
    """A bucket addressed ``google_storage_bucket.<construct id>``.

    - uniform bucket-level access (no object ACLs) and public access prevention
      enforced: only IAM grants on the bucket give access;
    - versioning, so an overwritten or deleted object stays recoverable for
      ``noncurrent_version_days``; the API's default soft delete (7 days) on top;
    - never destroyed by a plan: ``prevent_destroy``, the provider's
      ``deletion_policy = "PREVENT"`` (kept in state, so it holds even when the
      resource is removed from the config), and ``force_destroy = false`` so a
      bucket that still holds objects is never emptied to be deleted.
    """

    def __init__(self, scope: Construct, construct_id: str, props: BucketProps) -> None:
        super().__init__(scope, construct_id)
        self.props = props
        self.key = construct_id
        self.resource = pin(
            StorageBucket(
                self,
                "bucket",
                project=props.project_id,
                name=props.name,
                location=props.location,
                storage_class="STANDARD",
                uniform_bucket_level_access=True,
                public_access_prevention="enforced",
                versioning=StorageBucketVersioning(enabled=True),
                lifecycle_rule=[
                    StorageBucketLifecycleRule(
                        action=StorageBucketLifecycleRuleAction(type="Delete"),
                        condition=StorageBucketLifecycleRuleCondition(
                            days_since_noncurrent_time=props.noncurrent_version_days,
                            with_state="ARCHIVED",
                        ),
                    )
                ],
                force_destroy=False,
                deletion_policy="PREVENT",
                lifecycle=TerraformResourceLifecycle(prevent_destroy=True),
            ),
            construct_id,
        )
        self._readers: dict[str, StorageBucketIamMember] = {}

    def grant_read(self, account: ServiceAccount) -> StorageBucketIamMember:
        """Lets ``account`` read the objects of this bucket, and no other; returns the grant.

        ``storage.objectViewer`` on the bucket, never on the project. Granting
        twice returns the same grant. Addressed
        ``google_storage_bucket_iam_member.<construct id>_<account>``.
        """
        grant = self._readers.get(account.account_id)
        if grant is None:
            grant = pin(
                StorageBucketIamMember(
                    self,
                    f"reader-{account.account_id}",
                    bucket=self.resource.name,
                    role=READER_ROLE,
                    member=account.member,
                ),
                self.key,
                account.account_id,
            )
            self._readers[account.account_id] = grant
        return grant
