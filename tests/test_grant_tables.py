"""Grant tables: a row per grant, refused when two grants under one key differ, and moves that keep cdktn's own."""

from __future__ import annotations

import pytest
from cdktn import TerraformStack
from cdktn_provider_google.storage_bucket import StorageBucket

from mindmirror_infra.constructs.grant_tables import GrantTables
from mindmirror_infra.constructs.service_account import PROJECT_ROLES, ServiceAccount, ServiceAccountProps
from tests.construct_synth import synth_in_stack


def account(stack: TerraformStack) -> ServiceAccount:
    return ServiceAccount(stack, "api", ServiceAccountProps(project_id="acme-prod", account_id="orders-api"))


def test_the_tables_moves_join_the_moves_cdktn_writes_itself() -> None:
    def build(stack: TerraformStack) -> None:
        StorageBucket(stack, "docs", name="acme-docs", location="US").move_from_id("google_storage_bucket.old_docs")
        account(stack).grant_project_role("roles/logging.logWriter")

    assert synth_in_stack(build)["moved"] == [
        {"from": "google_storage_bucket.old_docs", "to": "google_storage_bucket.docs"},
        {
            "from": "google_project_iam_member.orders_api_logging_logWriter",
            "to": 'google_project_iam_member.grants["orders-api/roles/logging.logWriter"]',
        },
    ]


def test_a_stack_without_grants_has_no_moved_list() -> None:
    assert "moved" not in synth_in_stack(account)


def test_a_different_grant_under_a_key_already_granted_is_refused() -> None:
    def build(stack: TerraformStack) -> None:
        tables = GrantTables.of(stack)
        row = {"project": "acme-prod", "role": "roles/logging.logWriter", "member": "serviceAccount:a@acme"}
        tables.grant(PROJECT_ROLES, "a/roles/logging.logWriter", row, was="a_logging_logWriter")
        tables.grant(PROJECT_ROLES, "a/roles/logging.logWriter", row, was="a_logging_logWriter")
        with pytest.raises(ValueError, match=r"grants\['a/roles/logging.logWriter'\] is granted already, differently"):
            tables.grant(PROJECT_ROLES, "a/roles/logging.logWriter", {**row, "member": "x"}, was="a_logging_logWriter")
        with pytest.raises(ValueError, match="is granted already, differently"):
            tables.grant(PROJECT_ROLES, "a/roles/logging.logWriter", row, was="another_name")
        with pytest.raises(ValueError, match=r"row has \['member', 'project', 'role'\], not \['member', 'role'\]"):
            tables.grant(PROJECT_ROLES, "b/roles/x", {"role": "roles/x", "member": "y"}, was="b_x")

    grants = synth_in_stack(build)["resource"]["google_project_iam_member"]["grants"]
    assert list(grants["for_each"]) == ["a/roles/logging.logWriter"]


def test_an_old_name_another_grant_had_is_refused() -> None:
    # a_logging + logWriter and a + logging_logWriter read alike once joined.
    def build(stack: TerraformStack) -> None:
        tables = GrantTables.of(stack)
        row = {"project": "acme-prod", "role": "roles/logging.logWriter", "member": "serviceAccount:a@acme"}
        tables.grant(PROJECT_ROLES, "a/roles/logging.logWriter", row, was="a_logging_logWriter")
        with pytest.raises(ValueError, match="a_logging_logWriter was another grant, moved to"):
            tables.grant(PROJECT_ROLES, "a-logging/roles/logWriter", row, was="a_logging_logWriter")

    grants = synth_in_stack(build)["resource"]["google_project_iam_member"]["grants"]
    assert list(grants["for_each"]) == ["a/roles/logging.logWriter"]
