"""Instances of a resource as OpenTofu creates them: each key of a literal for_each, each.* filled in."""

from __future__ import annotations

import pytest

from mindmirror_infra.instances import UnreadableForEach, instance_address, instances


def test_a_resource_without_for_each_is_its_one_instance() -> None:
    body = {"role": "roles/logging.logWriter"}
    assert list(instances("google_project_iam_member", "ci", body)) == [("google_project_iam_member.ci", body)]


def test_each_key_of_a_literal_map_is_an_instance_with_each_filled_in() -> None:
    body = {
        "for_each": {"a/roles/x": {"role": "roles/x", "member": "serviceAccount:a"}},
        "role": "${each.value.role}",
        "member": "${each.value.member}",
        "title": "${each.key} of ${each.value.role}",
        "labels": ["${each.value}"],
    }
    assert list(instances("google_project_iam_member", "grants", body)) == [
        (
            'google_project_iam_member.grants["a/roles/x"]',
            {
                "role": "roles/x",
                "member": "serviceAccount:a",
                "title": "a/roles/x of roles/x",
                "labels": [{"role": "roles/x", "member": "serviceAccount:a"}],
            },
        )
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"for_each": "${toset(var.r)}"}, r"^for_each '\$\{toset\(var\.r\)\}' is not a literal map$"),
        (
            {"for_each": {"ci": {"rol": "roles/owner"}}, "role": "${each.value.role}"},
            r"^row 'ci': \$\{each\.value\.role\} is not in the row$",
        ),
        (
            {"for_each": {"ci": "plain"}, "role": "${each.value.role}"},
            r"^row 'ci': \$\{each\.value\.role\} is not in the row$",
        ),
        (
            {"for_each": {"ci": {"role": "roles/owner"}}, "role": '${each.value["role"]}'},
            r"^row 'ci': .* is not each.key, each.value or each.value.<field>$",
        ),
    ],
    ids=["expression", "missing field", "not a map", "index syntax"],
)
def test_instances_that_cannot_be_read_are_refused(body: dict[str, object], message: str) -> None:
    with pytest.raises(UnreadableForEach, match=message):
        list(instances("google_project_iam_member", "grants", body))


def test_an_instance_address_quotes_its_key() -> None:
    assert instance_address("google_x", "grants", "a/b") == 'google_x.grants["a/b"]'
    assert instance_address("google_x", "one", None) == "google_x.one"
