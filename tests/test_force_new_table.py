"""scripts/force_new_table.py reads the provider's Go schemas: run on a small checkout written here."""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "force_new_table.py"

RESOURCE = """
package things

func init() {
	registry.Schema{
		Name:        "google_thing",
		ProductName: "things",
		Type:        registry.SchemaTypeResource,
		Schema:      ResourceThing(),
	}.Register()
}

var flagElem *schema.Resource = &schema.Resource{
	Schema: map[string]*schema.Schema{
		"value": {Type: schema.TypeString, ForceNew: true},
	},
}

func ResourceThing() *schema.Resource {
	return &schema.Resource{
		Identity: &schema.ResourceIdentity{
			SchemaFunc: func() map[string]*schema.Schema {
				return map[string]*schema.Schema{"identity_only": {Type: schema.TypeString, ForceNew: true}}
			},
		},
		Schema: map[string]*schema.Schema{
			"name": {
				Type:        schema.TypeString,
				Required:    true,
				ForceNew:    true,
			},
			"project": {Type: schema.TypeString, Optional: true, Computed: true, ForceNew: true},
			"password": {Type: schema.TypeString, Optional: true, Sensitive: true},
			"settings": {
				Type: schema.TypeList,
				Elem: &schema.Resource{
					Schema: map[string]*schema.Schema{
						"tier": {
							Type: schema.TypeString,
							// ForceNew: true in a comment does not count,
							Description: `nor in a "string" with {braces}: ForceNew: true`,
						},
						"collation": {Type: schema.TypeString, ForceNew: true},
						"flags":     {Type: schema.TypeSet, Elem: flagElem},
					},
				},
			},
			"tags": {Type: schema.TypeList, Elem: &schema.Schema{Type: schema.TypeString}},
		},
	}
}
"""

IAM = """
package things

func init() {
	registry.Schema{
		Name:   "google_thing_iam_member",
		Type:   registry.SchemaTypeIAMResource,
		Schema: tpgiamresource.ResourceIamMember(ThingIamSchema, ThingIamUpdaterProducer, ThingIdParseFunc),
	}.Register()
	registry.Schema{
		Name:   "google_thing",
		Type:   registry.SchemaTypeDataSource,
		Schema: DataSourceThing(),
	}.Register()
}

var ThingIamSchema = map[string]*schema.Schema{
	"thing": {Type: schema.TypeString, Required: true, ForceNew: true},
}
"""

IAM_BASE = """
package tpgiamresource

var IamMemberBaseSchema = map[string]*schema.Schema{
	"role":   {Type: schema.TypeString, Required: true, ForceNew: true},
	"member": {Type: schema.TypeString, Required: true, ForceNew: true},
}
"""


@pytest.fixture(scope="module")
def script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("force_new_table", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up while they are built
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    for relative, source in (
        ("google/services/things/resource_thing.go", RESOURCE),
        ("google/services/things/iam_thing.go", IAM),
        ("google/tpgiamresource/resource_iam_member.go", IAM_BASE),
    ):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(source)
    return tmp_path


def test_resources_and_iam_members_are_read_with_their_nested_blocks(script: ModuleType, checkout: Path) -> None:
    registrations = script.registrations_of(checkout)
    assert sorted(registrations) == ["google_thing", "google_thing_iam_member"], "data sources are left out"
    thing = script.attributes_of("google_thing", checkout, registrations)
    assert thing.force_new == {"name", "project", "settings.collation", "settings.flags.value"}
    assert thing.computed & thing.force_new == {"project"}
    assert thing.sensitive == {"password"}
    member = script.attributes_of("google_thing_iam_member", checkout, registrations)
    assert member.force_new == {"thing", "role", "member"}


def test_the_table_is_toml_with_a_header_saying_where_it_came_from(script: ModuleType, checkout: Path) -> None:
    registrations = script.registrations_of(checkout)
    table = {kind: script.attributes_of(kind, checkout, registrations) for kind in registrations}
    written = script.render("9.9.9", "0" * 40, table, ["google_thing"])
    assert written.startswith("# Attributes whose change makes the Google provider 9.9.9 replace a resource")
    assert f"commit {'0' * 40}" in written
    assert "re-run the script against the pinned version's tag (with --type google_thing)." in written
    document = tomllib.loads(written)
    assert document["provider_version"] == "9.9.9"
    assert document["google_thing"] == {
        "force_new": ["name", "project", "settings.collation", "settings.flags.value"],
        "computed": ["project"],
        "sensitive": ["password"],
    }
