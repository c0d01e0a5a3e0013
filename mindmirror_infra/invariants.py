"""Policy as code: the promises of the project, checked on the synthesized JSON of a stack.

Each invariant reads one stack's ``cdk.tf.json`` (as a dict) and yields a
:class:`Violation` per offending resource, naming its address. They are written
over resource types, not over MindMirror's names, so they hold for whatever the
tiers produce and keep holding when a tier is added.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from mindmirror_infra.instances import UnreadableForEach, instances
from mindmirror_infra.placeholders import hosts_in, owned_hosts, private_address

Config = dict[str, Any]


@dataclass(frozen=True)
class Violation:
    """One broken promise: which invariant, at which address, and why."""

    invariant: str
    address: str
    message: str

    def __str__(self) -> str:
        return f"{self.invariant}: {self.address}: {self.message}"


Check = Callable[[Config], Iterator[Violation]]


@dataclass(frozen=True)
class Invariant:
    name: str
    description: str
    check: Check

    def __call__(self, config: Config) -> list[Violation]:
        return list(self.check(config))


INVARIANTS: list[Invariant] = []


def invariant(name: str, description: str) -> Callable[[Callable[[Config], Iterator[tuple[str, str]]]], Invariant]:
    """Registers a check yielding ``(address, message)`` pairs as a named invariant."""

    def register(find: Callable[[Config], Iterator[tuple[str, str]]]) -> Invariant:
        def check(config: Config) -> Iterator[Violation]:
            for address, message in find(config):
                yield Violation(name, address, message)

        registered = Invariant(name, description, check)
        INVARIANTS.append(registered)
        return registered

    return register


def violations(config: Config) -> list[Violation]:
    """Every violation of every invariant in one stack."""
    return [found for rule in INVARIANTS for found in rule(config)]


# --- reading the JSON -------------------------------------------------------------


def resources_of(config: Config, predicate: Callable[[str], bool]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """``(type, address, body)`` of every resource instance whose type satisfies ``predicate``.

    A resource with a literal ``for_each`` map is one instance per key, with
    ``each.key`` and ``each.value`` filled in; one with any other ``for_each``
    is itself, as written (``readable-for-each`` reports it).
    """
    for kind, items in sorted(config.get("resource", {}).items()):
        if predicate(kind):
            for name, body in sorted(items.items()):
                try:
                    for address, instance in instances(kind, name, body):
                        yield kind, address, instance
                except UnreadableForEach:
                    yield kind, f"{kind}.{name}", body


def of_type(*kinds: str) -> Callable[[str], bool]:
    return lambda kind: kind in kinds


def block(body: Any, *path: str) -> Any:
    """The value at ``path`` of nested blocks; cdktn writes a single block as a dict or a one-item list."""
    value = body
    for key in path:
        if isinstance(value, list):
            value = value[0] if value else None
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def strings(value: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """Every string in a JSON value with its path, skipping cdktn's ``//`` metadata."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if key != "//":
                yield from strings(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from strings(item, f"{path}[{index}]")


def blocks_of_config(config: Config) -> Iterator[tuple[str, Any]]:
    """``(address, value)`` of every top-level block that can hold literals or references."""
    for kind, items in sorted(config.get("resource", {}).items()):
        for name, body in sorted(items.items()):
            yield f"{kind}.{name}", body
    for kind, items in sorted(config.get("data", {}).items()):
        for name, body in sorted(items.items()):
            yield f"data.{kind}.{name}", body
    for section in ("output", "variable", "locals", "module"):
        for name, body in sorted(config.get(section, {}).items()):
            yield f"{section}.{name}", body
    for kind, configs in sorted(config.get("provider", {}).items()):
        for index, body in enumerate(configs if isinstance(configs, list) else [configs]):
            yield f"provider.{kind}[{index}]", body
    for section in ("import", "moved"):
        for index, body in enumerate(config.get(section, [])):
            yield f"{section}[{index}]", body


# --- stateful resources are protected from deletion -------------------------------

# The types that hold data or identity a user cannot get back by re-applying.
STATEFUL_TYPES = (
    "google_sql_database_instance",
    "google_sql_database",
    "google_storage_bucket",
    "google_secret_manager_secret",
    "google_artifact_registry_repository",
    "google_memorystore_instance",
)

# Protection the API itself offers, beyond OpenTofu's prevent_destroy: (path, required value).
API_PROTECTION: dict[str, tuple[tuple[tuple[str, ...], Any], ...]] = {
    "google_sql_database_instance": (
        (("deletion_protection",), True),
        (("settings", "deletion_protection_enabled"), True),
    ),
    "google_secret_manager_secret": ((("deletion_protection",), True),),
    "google_memorystore_instance": ((("deletion_protection_enabled",), True), (("deletion_policy",), "PREVENT")),
}


@invariant(
    "stateful-protected", "SQL instances and databases, buckets, secrets, the registry and Redis cannot be destroyed"
)
def stateful_protected(config: Config) -> Iterator[tuple[str, str]]:
    for kind, address, body in resources_of(config, of_type(*STATEFUL_TYPES)):
        if block(body, "lifecycle", "prevent_destroy") is not True:
            yield address, "expected lifecycle.prevent_destroy = true"
        for path, required in API_PROTECTION.get(kind, ()):
            if block(body, *path) != required:
                yield address, f"expected {'.'.join(path)} = {str(required).lower()}"
        if kind == "google_storage_bucket" and body.get("force_destroy") not in (None, False):
            yield address, "expected force_destroy to be false (it deletes every object with the bucket)"
        if kind == "google_sql_database" and body.get("deletion_policy") == "DELETE":
            yield address, "expected deletion_policy 'ABANDON': 'DELETE' drops the database with the resource"


# --- private data ----------------------------------------------------------------


@invariant("sql-private-ip-only", "Cloud SQL instances have no public IPv4 address and no authorized networks")
def sql_private_ip_only(config: Config) -> Iterator[tuple[str, str]]:
    for _, address, body in resources_of(config, of_type("google_sql_database_instance")):
        # The API gives an instance a public IPv4 unless told otherwise.
        if block(body, "settings", "ip_configuration", "ipv4_enabled") is not False:
            yield address, "expected settings.ip_configuration.ipv4_enabled = false (private IP only)"
        if block(body, "settings", "ip_configuration", "authorized_networks"):
            yield address, "expected no settings.ip_configuration.authorized_networks"


@invariant("bucket-private", "buckets use uniform access and enforce public access prevention")
def bucket_private(config: Config) -> Iterator[tuple[str, str]]:
    for _, address, body in resources_of(config, of_type("google_storage_bucket")):
        if body.get("uniform_bucket_level_access") is not True:
            yield address, "expected uniform_bucket_level_access = true (no per-object ACLs)"
        if body.get("public_access_prevention") != "enforced":
            yield address, "expected public_access_prevention = 'enforced'"


# --- least privilege -------------------------------------------------------------

PRIMITIVE_ROLES = ("roles/owner", "roles/editor", "roles/viewer")
IAM_SUFFIXES = ("_iam_member", "_iam_binding", "_iam_policy")
# Granting at these levels reaches every secret below them.
BROAD_SCOPES = ("google_project_", "google_folder_", "google_organization_")
PUBLIC_MEMBERS = ("allUsers", "allAuthenticatedUsers")


def is_iam(kind: str) -> bool:
    return kind.endswith(IAM_SUFFIXES)


def granted_roles(body: dict[str, Any]) -> list[str]:
    """Roles of a member or binding, and of the bindings written in a policy's literal ``policy_data``."""
    roles = [body["role"]] if isinstance(body.get("role"), str) else []
    policy = body.get("policy_data")
    if isinstance(policy, str):
        roles += re.findall(r'"role"\s*:\s*"([^"]+)"', policy)
    return roles


def granted_members(body: dict[str, Any]) -> list[str]:
    members = body.get("members")
    listed: list[Any] = members if isinstance(members, list) else []
    return [m for m in [body.get("member"), *listed] if isinstance(m, str)]


@invariant("no-primitive-roles", "no IAM grant of roles/owner, roles/editor or roles/viewer")
def no_primitive_roles(config: Config) -> Iterator[tuple[str, str]]:
    for _, address, body in resources_of(config, is_iam):
        for role in granted_roles(body):
            if role in PRIMITIVE_ROLES:
                yield address, f"grants {role}; grant a predefined role at the narrowest scope instead"
    for address, body in data_iam_policies(config):
        for binding in body.get("binding", []):
            if binding.get("role") in PRIMITIVE_ROLES:
                yield address, f"grants {binding['role']}; grant a predefined role at the narrowest scope instead"


def data_iam_policies(config: Config) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, body in sorted(config.get("data", {}).get("google_iam_policy", {}).items()):
        yield f"data.google_iam_policy.{name}", body


@invariant("no-project-secret-access", "Secret Manager roles are granted per secret, never on the project")
def no_project_secret_access(config: Config) -> Iterator[tuple[str, str]]:
    for kind, address, body in resources_of(config, is_iam):
        if not kind.startswith(BROAD_SCOPES):
            continue
        for role in granted_roles(body):
            if role.startswith("roles/secretmanager."):
                yield address, f"grants {role} on every secret; grant it on the one secret instead"


@invariant("no-public-grants", "allUsers and allAuthenticatedUsers only ever invoke a Cloud Run service")
def no_public_grants(config: Config) -> Iterator[tuple[str, str]]:
    for kind, address, body in resources_of(config, is_iam):
        public = [m for m in granted_members(body) if m in PUBLIC_MEMBERS]
        invoker = kind.startswith("google_cloud_run") and body.get("role") == "roles/run.invoker"
        if public and not invoker:
            yield address, f"grants {body.get('role')} to {', '.join(public)}"


@invariant("no-service-account-keys", "no service account key is created (Workload Identity instead)")
def no_service_account_keys(config: Config) -> Iterator[tuple[str, str]]:
    for _, address, _ in resources_of(config, of_type("google_service_account_key")):
        yield address, "creates a service account key; use Workload Identity Federation or the runtime account"
    for name in sorted(config.get("data", {}).get("google_service_account_key", {})):
        yield f"data.google_service_account_key.{name}", "reads a service account key into the state"


# --- no secret values ------------------------------------------------------------

# Attributes whose value is a credential: any literal in them is a secret in the config.
CREDENTIAL_ATTRIBUTES = re.compile(
    r"(^|_)(password|passwd|secret_data|private_key|api_key|access_token|client_secret|credentials)$"
)
SUSPICIOUS_LITERALS = (
    (re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"), "a PEM private key"),
    (re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+:[^/\s@]+@"), "a URL with 'user:password@'"),
    (re.compile(r"(?i)\b(password|passwd|pwd|secret|token|api_?key)\s*[=:]\s*\S+"), "a 'password=' style assignment"),
    (re.compile(r"\bAKIA[0-9A-Z]{16}\b"), "an AWS access key id"),
    (re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b"), "a Google API key"),
    (re.compile(r"\b(ghp|gho|ghs|ghu|github_pat)_[0-9A-Za-z_]{20,}"), "a GitHub token"),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{20,}"), "an API secret key"),
    (re.compile(r"\bya29\.[0-9A-Za-z_-]{20,}"), "a Google OAuth access token"),
    (re.compile(r"\bxox[abprs]-[0-9A-Za-z-]{10,}"), "a Slack token"),
)
# A long run of base64 or hex characters with the spread of random data.
TOKEN = re.compile(r"[A-Za-z0-9+/=_-]{24,}")
DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
HIGH_ENTROPY_BITS = 4.2


def without_expressions(text: str) -> str:
    """The literal parts of a string: every ``${...}`` expression removed, braces balanced."""
    return "".join(literal for literal, _ in split_expressions(text))


def split_expressions(text: str) -> list[tuple[str, str]]:
    """``(literal, expression)`` pairs of a string, the expression being the inside of ``${...}``."""
    parts: list[tuple[str, str]] = []
    position = 0
    while (start := text.find("${", position)) != -1:
        depth, index = 1, start + 2
        while index < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            index += 1
        parts.append((text[position:start], text[start + 2 : index - 1]))
        position = index
    parts.append((text[position:], ""))
    return parts


def entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def looks_random(token: str) -> bool:
    kinds = sum(bool(re.search(p, token)) for p in ("[a-z]", "[A-Z]", "[0-9]"))
    return kinds >= 2 and entropy(token) >= HIGH_ENTROPY_BITS


def credential_in(text: str) -> str | None:
    """What credential-looking thing ``text`` holds outside its expressions, if any."""
    literal = DIGEST.sub("", without_expressions(text))
    for pattern, what in SUSPICIOUS_LITERALS:
        if pattern.search(literal):
            return what
    if any(looks_random(token) for token in TOKEN.findall(literal)):
        return "a high-entropy token"
    return None


@invariant("no-secret-literals", "no secret value or credential-looking literal anywhere in the config")
def no_secret_literals(config: Config) -> Iterator[tuple[str, str]]:
    for address, body in blocks_of_config(config):
        for path, text in strings(body):
            attribute = path.rsplit(".", 1)[-1].split("[", 1)[0]
            if CREDENTIAL_ATTRIBUTES.search(attribute) and without_expressions(text).strip():
                yield address, f"{path} holds a literal credential; keep values in Secret Manager"
            elif (what := credential_in(text)) is not None:
                yield address, f"{path} holds what looks like {what}; keep values in Secret Manager"


# --- no setting points at a private host nothing owns --------------------------------

WORKLOAD_TYPES = ("google_cloud_run_v2_service", "google_cloud_run_v2_worker_pool", "google_cloud_run_v2_job")


@invariant(
    "no-unowned-private-hosts",
    "no workload environment setting holds a private IP or host that no resource of the stack owns",
)
def no_unowned_private_hosts(config: Config) -> Iterator[tuple[str, str]]:
    # A literal private address in a setting (such as a Redis at 10.0.0.3) points
    # at nothing the stack creates; addresses of its resources are references.
    owned = owned_hosts(config)
    for _, address, body in resources_of(config, of_type(*WORKLOAD_TYPES)):
        for path, text in strings(body.get("template", {})):
            if not re.search(r"\.env\[\d+\]\.value$", path):
                continue
            for host in hosts_in(without_expressions(text)):
                reason = private_address(host)
                if reason is not None and host not in owned:
                    yield address, f"template.{path}: {reason} that no resource of the stack owns"


# --- every reference resolves ----------------------------------------------------

QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
REFERENCE = re.compile(r"(?<![\w.\"-])([A-Za-z_][\w-]*)\.([A-Za-z_][\w-]*)(?:\.([A-Za-z_][\w-]*))?")
FOR_VARIABLES = re.compile(r"\bfor\s+([A-Za-z_]\w*)(?:\s*,\s*([A-Za-z_]\w*))?\s+in\b")
# Names HCL gives meaning to wherever they appear.
BUILTIN_ROOTS = {"each", "count", "self", "path", "terraform"}
RESOURCE_TYPE = re.compile(r"^[a-z][a-z0-9]*_[a-z0-9_]+$")


def declared(config: Config) -> set[str]:
    """Every name an expression of this stack may refer to, as it is written in a reference."""
    names = {f"{kind}.{name}" for kind, items in config.get("resource", {}).items() for name in items}
    names |= {f"data.{kind}.{name}" for kind, items in config.get("data", {}).items() for name in items}
    names |= {f"var.{name}" for name in config.get("variable", {})}
    names |= {f"local.{name}" for name in config.get("locals", {})}
    names |= {f"module.{name}" for name in config.get("module", {})}
    return names


def references(expression: str) -> set[str]:
    """The resources, data sources, variables, locals and modules an HCL expression reads."""
    code = QUOTED.sub('""', expression)
    loop_variables = {name for pair in FOR_VARIABLES.findall(code) for name in pair if name}
    found: set[str] = set()
    for root, second, third in REFERENCE.findall(code):
        if root in BUILTIN_ROOTS or root in loop_variables:
            continue
        if root == "data" and third:
            found.add(f"data.{second}.{third}")
        elif root in ("var", "local", "module") or RESOURCE_TYPE.match(root):
            found.add(f"{root}.{second}")
    return found


def expressions(config: Config) -> Iterator[tuple[str, str, str]]:
    """``(address, path, expression)`` of every ``${...}`` in the config."""
    for address, body in blocks_of_config(config):
        for path, text in strings(body):
            for _, expression in split_expressions(text):
                if expression:
                    yield address, path, expression


@invariant("references-resolve", "every reference names a resource, data source, variable or local of the stack")
def references_resolve(config: Config) -> Iterator[tuple[str, str]]:
    known = declared(config)
    for address, path, expression in expressions(config):
        for reference in sorted(references(expression) - known):
            yield address, f"{path} refers to {reference}, which the stack does not declare"
    resources = dict(resources_of_all(config))
    for address, body in resources.items():
        for dependency in body.get("depends_on", []):
            if dependency not in known:
                yield address, f"depends_on {dependency}, which the stack does not declare"
    targets = known | resources.keys()
    for section in ("import", "moved"):
        for index, body in enumerate(config.get(section, [])):
            if body.get("to") not in targets:
                yield f"{section}[{index}]", f"to {body.get('to')}, which the stack does not declare"


@invariant(
    "readable-for-each",
    "every for_each is a literal map whose rows answer each reference to them, so every instance can be read",
)
def readable_for_each(config: Config) -> Iterator[tuple[str, str]]:
    for kind, items in sorted(config.get("resource", {}).items()):
        for name, body in sorted(items.items()):
            try:
                for _ in instances(kind, name, body):
                    pass
            except UnreadableForEach as unreadable:
                yield f"{kind}.{name}", f"{unreadable}; expected a literal map whose rows hold every field used"


def resources_of_all(config: Config) -> Iterator[tuple[str, dict[str, Any]]]:
    for _, address, body in resources_of(config, lambda _: True):
        yield address, body
    for kind, items in sorted(config.get("data", {}).items()):
        for name, body in sorted(items.items()):
            yield f"data.{kind}.{name}", body


# --- every workload runs as itself -----------------------------------------------

# Where each Cloud Run type names the account its containers run as.
RUNTIME_ACCOUNT_PATHS = {
    "google_cloud_run_v2_service": ("template", "service_account"),
    "google_cloud_run_v2_worker_pool": ("template", "service_account"),
    "google_cloud_run_v2_job": ("template", "template", "service_account"),
    "google_cloud_run_service": ("template", "spec", "service_account_name"),
}
OWN_ACCOUNT = re.compile(r"^\$\{google_service_account\.([\w-]+)\.(email|member)\}$")
DEFAULT_ACCOUNT = "-compute@developer.gserviceaccount.com"


@invariant("own-runtime-account", "every Cloud Run service, job and worker pool runs as its own service account")
def own_runtime_account(config: Config) -> Iterator[tuple[str, str]]:
    accounts = config.get("resource", {}).get("google_service_account", {})
    users: dict[str, list[str]] = {}
    for kind, address, body in resources_of(config, of_type(*RUNTIME_ACCOUNT_PATHS)):
        path = RUNTIME_ACCOUNT_PATHS[kind]
        account = block(body, *path)
        where = ".".join(path)
        if not isinstance(account, str):
            yield address, f"{where} is not set: the workload would run as the default compute account"
        elif DEFAULT_ACCOUNT in account:
            yield address, f"{where} is the default compute account; give the workload its own account"
        elif (own := OWN_ACCOUNT.match(account)) is None or own.group(1) not in accounts:
            yield address, f"{where} = {account!r}; expected the email of a google_service_account of the stack"
        else:
            users.setdefault(own.group(1), []).append(address)
    for account, workloads in sorted(users.items()):
        if len(workloads) > 1:
            for address in workloads:
                yield (
                    address,
                    f"shares google_service_account.{account} with {', '.join(sorted(set(workloads) - {address}))}",
                )


@invariant(
    "one-address-each",
    "each address is one resource: imported and moved from at most once, and not equal but for case to another",
)
def one_address_each(config: Config) -> Iterator[tuple[str, str]]:
    # Two catalog names folded into one address leave one resource with two
    # import blocks (docs/decisions/0013-gcp-rules-in-catalog.md).
    for section, key in (("import", "to"), ("moved", "from")):
        counts = Counter(str(body.get(key)) for body in config.get(section, []))
        for address, count in sorted(counts.items()):
            if count > 1:
                yield address, f"{count} {section} blocks name it; expected one"
    seen: dict[str, str] = {}
    for kind, items in sorted(config.get("resource", {}).items()):
        for name in sorted(items):
            address = f"{kind}.{name}"
            first = seen.setdefault(address.lower(), address)
            if first != address:
                yield address, f"differs from {first} only by case; expected names apart"
