"""Regenerates mindmirror_infra/review/force_new.toml from a checkout of the Google provider's source.

    .venv/bin/python scripts/force_new_table.py PROVIDER_CHECKOUT VERSION COMMIT [--type TYPE ...] [--out PATH]

PROVIDER_CHECKOUT is a checkout of hashicorp/terraform-provider-google at the tag
of VERSION (the version `generated/` pins in `required_providers`). The resource
types are every type in `generated/stacks/*/cdk.tf.json` and the stateful types
of `mindmirror_infra.invariants`, and each --type given (a type a change is
about to add), so a type a tier adds is covered by the next run.

The provider registers each resource with ``registry.Schema{Name: "<type>",
Schema: <expression>}``: a function returning a ``*schema.Resource``, or
``tpgiamresource.ResourceIamMember(<parent schema>, ...)`` for IAM members. The
script reads the Go schema maps of those (nested ``Elem: &schema.Resource``
blocks, and ``Elem``s named by a function or variable of the same package) and
lists each attribute path with ``ForceNew: true``, whether it is also
``Computed`` (removing it from the config then keeps the remote value), and each
``Sensitive`` or write-only path. It reads the schemas only: a replacement that
a resource's CustomizeDiff forces is not in the table.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from mindmirror_infra.invariants import STATEFUL_TYPES  # noqa: E402

DEFAULT_OUT = REPO / "mindmirror_infra" / "review" / "force_new.toml"
REGISTRATION = re.compile(r'registry\.Schema\{\s*Name:\s*"(?P<name>[a-z0-9_]+)",(?P<body>.*?)\}\.Register\(\)', re.S)
# A resource's own schema map (not its identity's, which a SchemaFunc returns), or a variable holding one.
SCHEMA_MAP = re.compile(r"(?:\bSchema:\s*|^var \w+ = )map\[string\]\*schema\.Schema\{", re.M)
IAM_MEMBER = re.compile(r"tpgiamresource\.ResourceIamMember\(\s*(\w+),")
# One entry of a schema map; entries follow one another, so a search from the end of the last finds the next.
ENTRY = re.compile(r'"([a-z0-9_]+)":\s*\{')


@dataclass
class Attributes:
    force_new: set[str] = field(default_factory=set)
    computed: set[str] = field(default_factory=set)
    sensitive: set[str] = field(default_factory=set)


def literal_end(text: str, i: int) -> int | None:
    """The index just past the Go string, rune or comment starting at ``i``, or None if none starts there."""
    char = text[i]
    if char in "\"'":
        i += 1
        while text[i] != char:
            i += 2 if text[i] == "\\" else 1
        return i + 1
    if char == "`":
        return text.index("`", i + 1) + 1
    if text.startswith("//", i):
        return text.index("\n", i)
    if text.startswith("/*", i):
        return text.index("*/", i) + 2
    return None


def matching_brace(text: str, opening: int) -> int:
    """The index of the ``}`` closing the ``{`` at ``opening``, skipping Go strings and comments."""
    depth, i = 0, opening
    while i < len(text):
        end = literal_end(text, i)
        if end is not None:
            i = end
            continue
        if text[i] == "{":
            depth += 1
        elif text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError("unbalanced braces")


def top_level(body: str) -> str:
    """The fields of this literal only: ``body`` without nested ``{...}``, strings and comments."""
    kept, depth, i = [], 0, 0
    while i < len(body):
        end = literal_end(body, i)
        if end is not None:
            kept.append(" ")
            i = end
            continue
        depth += {"{": 1, "}": -1}.get(body[i], 0)
        if depth == 0 and body[i] != "}":
            kept.append(body[i])
        i += 1
    return "".join(kept)


class Package:
    """The Go source of one provider package, for finding functions and variables by name."""

    def __init__(self, folder: Path) -> None:
        self.source = "\n".join(p.read_text() for p in sorted(folder.glob("*.go")) if not p.name.endswith("_test.go"))

    def definition(self, name: str) -> str:
        found = re.search(rf"^(?:func {name}\(\)|var {name}\b)[^{{\n]*\{{", self.source, re.M)
        if found is None:
            raise LookupError(f"no func or var {name}")
        return self.source[found.start() : matching_brace(self.source, found.end() - 1) + 1]


def schema_map_in(text: str) -> str:
    """The body of the first ``map[string]*schema.Schema{...}`` literal in ``text``."""
    found = SCHEMA_MAP.search(text)
    if found is None:
        raise LookupError("no schema map")
    start = found.end() - 1
    return text[start + 1 : matching_brace(text, start)]


def read_schema(body: str, package: Package, prefix: str, into: Attributes) -> None:
    """Adds every ForceNew, Computed and Sensitive path of one schema map's body."""
    position = 0
    while entry := ENTRY.search(body, position):
        opening = entry.end() - 1
        closing = matching_brace(body, opening)
        position = closing + 1
        fields = body[opening + 1 : closing]
        own = top_level(fields)
        path = f"{prefix}{entry.group(1)}"
        if re.search(r"\bForceNew:\s*true", own):
            into.force_new.add(path)
        if re.search(r"\bComputed:\s*true", own):
            into.computed.add(path)
        if re.search(r"\b(Sensitive|WriteOnly):\s*true", own):
            into.sensitive.add(path)
        nested = nested_schema(fields, own, package)
        if nested is not None:
            read_schema(nested, package, f"{path}.", into)


def nested_schema(fields: str, own: str, package: Package) -> str | None:
    """The schema map of a block's ``Elem``, inline or named, or None for a list of plain values."""
    element = re.search(r"\bElem:\s*([^,\n]+)", own)
    if element is None:
        return None
    value = element.group(1).strip()
    if value.startswith("&schema.Resource"):
        inline = fields[fields.index("Elem:") :]
        return schema_map_in(inline[: matching_brace(inline, inline.index("{")) + 1])
    if value.startswith("&schema.Schema"):
        return None
    named = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)(\(\))?", value)
    if named is None:
        raise LookupError(f"Elem {value!r} is neither inline nor a name")
    return schema_map_in(package.definition(named.group(1)))


def attributes_of(resource_type: str, provider: Path, registrations: dict[str, tuple[Path, str]]) -> Attributes:
    folder, expression = registrations[resource_type]
    package = Package(folder)
    into = Attributes()
    function = re.fullmatch(r"(\w+)\(\)", expression)
    source = package.definition(function.group(1)) if function else expression
    iam = IAM_MEMBER.search(source)
    if iam:
        read_schema(schema_map_in(package.definition(iam.group(1))), package, "", into)
        base = Package(provider / "google" / "tpgiamresource")
        read_schema(schema_map_in(base.definition("IamMemberBaseSchema")), base, "", into)
    elif function:
        read_schema(schema_map_in(source), package, "", into)
    else:
        raise LookupError(f"{resource_type}: registered as {expression!r}, which this script cannot read")
    return into


def registrations_of(provider: Path) -> dict[str, tuple[Path, str]]:
    """``type -> (package folder, Schema expression)`` of every registered resource."""
    found: dict[str, tuple[Path, str]] = {}
    for path in sorted((provider / "google").rglob("*.go")):
        if path.name.endswith("_test.go") or "registry.Schema{" not in (text := path.read_text()):
            continue
        for registration in REGISTRATION.finditer(text):
            body = registration.group("body")
            if re.search(r"Type:\s*registry\.SchemaType(Resource|IAMResource)\b", body):
                expression = re.search(r"Schema:\s*(.+?),?\s*$", body.strip(), re.S)
                if expression:
                    found[registration.group("name")] = (path.parent, expression.group(1).strip().rstrip(","))
    return found


def used_types(also: list[str]) -> list[str]:
    kinds = {*STATEFUL_TYPES, *also}
    for stack in sorted((REPO / "generated" / "stacks").glob("*/cdk.tf.json")):
        kinds.update(json.loads(stack.read_text()).get("resource", {}))
    return sorted(kinds)


def toml_list(name: str, paths: set[str]) -> list[str]:
    """One path a line, so that a new provider version's table reads well as a diff."""
    if not paths:
        return [f"{name} = []"]
    return [f"{name} = [", *(f"    {json.dumps(path)}," for path in sorted(paths)), "]"]


def render(version: str, commit: str, table: dict[str, Attributes], also: list[str]) -> str:
    lines = [
        f"# Attributes whose change makes the Google provider {version} replace a resource (ForceNew).",
        "# Generated by scripts/force_new_table.py from the provider's source at that version",
        f"# (hashicorp/terraform-provider-google, commit {commit}):",
        "# the Go schema of each resource type the stacks use, nested blocks as dotted paths.",
        "# `computed`: ForceNew paths that are also Computed (removing them from the config keeps",
        "# the remote value). `sensitive`: Sensitive or write-only paths, never printed.",
        "# Replacements forced by a resource's CustomizeDiff are not listed.",
        "# Do not edit by hand: re-run the script against the pinned version's tag"
        + (f" (with --type {' --type '.join(sorted(also))})." if also else "."),
        f'provider_version = "{version}"',
    ]
    for kind, attributes in sorted(table.items()):
        lines += ["", f"[{kind}]"]
        lines += toml_list("force_new", attributes.force_new)
        lines += toml_list("computed", attributes.computed & attributes.force_new)
        lines += toml_list("sensitive", attributes.sensitive)
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("provider", type=Path, help="a checkout of hashicorp/terraform-provider-google")
    parser.add_argument("version", help="the provider version the checkout is at, e.g. 8.7.0")
    parser.add_argument("commit", help="the checkout's commit, recorded in the table's header")
    parser.add_argument("--type", dest="also", action="append", default=[], help="a resource type to cover too")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    registrations = registrations_of(args.provider)
    kinds = used_types(args.also)
    missing = [kind for kind in kinds if kind not in registrations]
    if missing:
        raise SystemExit(f"not registered in {args.provider}: {', '.join(missing)}")
    table = {kind: attributes_of(kind, args.provider, registrations) for kind in kinds}
    args.out.write_text(render(args.version, args.commit, table, args.also))
    print(f"wrote {args.out}: {len(table)} resource types")


if __name__ == "__main__":
    main()
