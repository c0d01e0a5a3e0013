"""Instances of a resource as OpenTofu creates them: each key of a literal for_each, each.* filled in."""

from __future__ import annotations

import pytest

from mindmirror_infra.instances import UnreadableForEach, instance_address, instances


def test_a_resource_without_for_each_is_its_one_instance() -> None:
    body = {"role": "roles/logging.logWriter"}
    assert list(instances("google_project_iam_member", "ci", body)) == [("google_project_iam_member.ci", body)]


def test_each_key_of_a_literal_map_is_an_instance_with_each_filled_in() -> None:
    body = {
        "for_each": {"a/roles/x": {"role": "roles/x", "member": "serviceAccount:a"}, "b/roles/y": "plain"},
        "role": "${each.value.role}",
        "member": "${each.value.member}",
        "title": "${each.key} of ${each.value.role}",
        "labels": ["${each.value}"],
    }
    found = dict(instances("google_project_iam_member", "grants", body))
    assert found['google_project_iam_member.grants["a/roles/x"]'] == {
        "role": "roles/x",
        "member": "serviceAccount:a",
        "title": "a/roles/x of roles/x",
        "labels": [{"role": "roles/x", "member": "serviceAccount:a"}],
    }
    assert found['google_project_iam_member.grants["b/roles/y"]']["labels"] == ["plain"]
    assert found['google_project_iam_member.grants["b/roles/y"]']["role"] == "${each.value.role}"
    assert list(found) == [
        'google_project_iam_member.grants["a/roles/x"]',
        'google_project_iam_member.grants["b/roles/y"]',
    ]


def test_a_for_each_that_is_an_expression_cannot_be_read() -> None:
    with pytest.raises(UnreadableForEach, match=r"google_project_iam_member\.grants: for_each '\$\{toset\(var\.r\)\}'"):
        list(instances("google_project_iam_member", "grants", {"for_each": "${toset(var.r)}"}))


def test_an_instance_address_quotes_its_key() -> None:
    assert instance_address("google_x", "grants", "a/b") == 'google_x.grants["a/b"]'
    assert instance_address("google_x", "one", None) == "google_x.one"
