"""The bucket construct: private, versioned, never destroyed, read only through grants."""

from __future__ import annotations

from typing import Any

import pytest
from cdktn import TerraformStack

from mindmirror_infra.constructs.bucket import Bucket, BucketProps
from mindmirror_infra.constructs.service_account import ServiceAccount, ServiceAccountProps
from mindmirror_infra.errors import InvalidConfig
from tests.construct_synth import synth_in_stack
from tests.synth import Config, resources

PROPS = BucketProps(project_id="acme-prod", name="acme-prod-uploads", location="europe-west1")


def build(stack: TerraformStack) -> None:
    bucket = Bucket(stack, "uploads", PROPS)
    reader = ServiceAccount(stack, "reader", ServiceAccountProps(project_id="acme-prod", account_id="orders-api"))
    first = bucket.grant_read(reader)
    assert bucket.grant_read(reader) is first


@pytest.fixture(scope="module")
def config() -> Config:
    return synth_in_stack(build)


@pytest.fixture(scope="module")
def bucket(config: Config) -> dict[str, Any]:
    found: dict[str, Any] = resources(config, "google_storage_bucket")["uploads"]
    return found


def test_bucket_is_named_and_placed_as_given(bucket: dict[str, Any]) -> None:
    assert (bucket["name"], bucket["location"], bucket["project"]) == ("acme-prod-uploads", "europe-west1", "acme-prod")
    assert bucket["storage_class"] == "STANDARD"


def test_bucket_is_private_with_uniform_access(bucket: dict[str, Any]) -> None:
    assert bucket["uniform_bucket_level_access"] is True
    assert bucket["public_access_prevention"] == "enforced"
    assert "website" not in bucket
    assert "cors" not in bucket


def test_bucket_keeps_versions_and_the_default_soft_delete(bucket: dict[str, Any]) -> None:
    assert bucket["versioning"] == {"enabled": True}
    assert bucket["lifecycle_rule"] == [
        {"action": {"type": "Delete"}, "condition": {"days_since_noncurrent_time": 30, "with_state": "ARCHIVED"}}
    ]
    assert "soft_delete_policy" not in bucket


def test_bucket_is_never_destroyed_by_a_plan(bucket: dict[str, Any]) -> None:
    assert bucket["force_destroy"] is False
    assert bucket["deletion_policy"] == "PREVENT"
    assert bucket["lifecycle"] == {"prevent_destroy": True}


def test_grant_read_is_object_viewer_on_the_bucket_once(config: Config) -> None:
    grants = resources(config, "google_storage_bucket_iam_member")
    assert grants.keys() == {"uploads_orders_api"}
    grant = grants["uploads_orders_api"]
    assert grant["bucket"] == "${google_storage_bucket.uploads.name}"
    assert grant["role"] == "roles/storage.objectViewer"
    assert grant["member"] == "serviceAccount:${google_service_account.orders_api.email}"
    assert "google_project_iam_member" not in config["resource"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "Uploads"}, "BucketProps.name"),
        ({"noncurrent_version_days": 0}, "BucketProps.noncurrent_version_days"),
    ],
)
def test_bad_props_are_refused(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidConfig) as caught:
        BucketProps(**{**PROPS.__dict__, **changes})
    assert caught.value.field == field
