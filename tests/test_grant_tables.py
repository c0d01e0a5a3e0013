"""Grant tables: a row per grant, refused when two grants under one key differ, found through the construct tree."""

from __future__ import annotations

import cdktn
import pytest
from cdktn import TerraformStack
from constructs import Construct

from mindmirror_infra.constructs.grant_tables import GrantTables
from mindmirror_infra.constructs.service_account import PROJECT_ROLES, ServiceAccount, ServiceAccountProps
from tests.construct_synth import synth_in_stack


def account(stack: TerraformStack) -> ServiceAccount:
    return ServiceAccount(stack, "api", ServiceAccountProps(project_id="acme-prod", account_id="orders-api"))


def test_a_stack_with_grants_has_no_moved_list() -> None:
    # docs/decisions/0012-address-baseline.md: a grant was never a resource of its own in any state.
    config = synth_in_stack(lambda stack: account(stack).grant_project_role("roles/logging.logWriter"))
    assert list(config["resource"]["google_project_iam_member"]) == ["grants"]
    assert "moved" not in config


def test_the_tables_of_a_stack_are_its_child_and_every_construct_in_it_finds_them() -> None:
    app = cdktn.Testing.app()
    stack, other = TerraformStack(app, "one"), TerraformStack(app, "two")
    nested = Construct(Construct(stack, "a"), "b")
    tables = GrantTables.of(nested)
    assert GrantTables.of(stack) is tables
    assert stack.node.find_child(GrantTables.CONSTRUCT_ID) is tables
    assert GrantTables.of(other) is not tables


def test_a_construct_holding_the_tables_id_is_refused() -> None:
    stack = TerraformStack(cdktn.Testing.app(), "one")
    Construct(stack, GrantTables.CONSTRUCT_ID)
    with pytest.raises(TypeError, match="one/grant-tables is a Construct, not the grant tables"):
        GrantTables.of(stack)


def test_a_different_grant_under_a_key_already_granted_is_refused() -> None:
    def build(stack: TerraformStack) -> None:
        tables = GrantTables.of(stack)
        row = {"project": "acme-prod", "role": "roles/logging.logWriter", "member": "serviceAccount:a@acme"}
        tables.grant(PROJECT_ROLES, "a/roles/logging.logWriter", row)
        tables.grant(PROJECT_ROLES, "a/roles/logging.logWriter", row)
        with pytest.raises(ValueError, match=r"grants\['a/roles/logging.logWriter'\] is granted already, differently"):
            tables.grant(PROJECT_ROLES, "a/roles/logging.logWriter", {**row, "member": "x"})
        with pytest.raises(ValueError, match=r"row has \['member', 'project', 'role'\], not \['member', 'role'\]"):
            tables.grant(PROJECT_ROLES, "b/roles/x", {"role": "roles/x", "member": "y"})

    grants = synth_in_stack(build)["resource"]["google_project_iam_member"]["grants"]
    assert list(grants["for_each"]) == ["a/roles/logging.logWriter"]
