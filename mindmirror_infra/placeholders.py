"""Values that only stand in for real ones: example domains, placeholder hosts, private addresses nothing owns.

The catalog may hold them (``synth`` works, and the committed output shows
them); ``mminfra plan`` and ``apply`` refuse them (``preflight``), and an
invariant refuses a private address in a workload's environment that no
resource of the stack owns (docs/decisions/0015-data-plane.md).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from typing import Any

# Reserved for examples and tests, never resolvable on the internet:
# RFC 2606 (example, test, invalid, localhost; example.com/.net/.org) and RFC 6761.
RESERVED_TLDS = ("example", "test", "invalid", "localhost")
RESERVED_DOMAINS = ("example.com", "example.net", "example.org")
# Words people write where a value is still to come.
PLACEHOLDER_WORDS = re.compile(r"(?i)(^|[^a-z])(your|changeme|change-me|placeholder|todo|tbd|xxx+|dummy)([^a-z]|$)")
# Names that resolve only inside one machine or one private network.
PRIVATE_SUFFIXES = (".internal", ".local", ".lan", ".home.arpa")
HOST = re.compile(r"^[A-Za-z0-9.-]+$")


def host_of(value: str) -> str:
    """The host a setting names: of a URL (``scheme://[user@]host[:port]/...``), an email, or the value itself."""
    text = value.strip()
    if "://" in text:
        text = text.split("://", 1)[1].split("/", 1)[0].rsplit("@", 1)[-1]
    elif "@" in text:
        text = text.rsplit("@", 1)[1]
    if text.startswith("["):
        return text[1:].split("]", 1)[0]
    return text.rsplit(":", 1)[0] if text.count(":") == 1 else text


def private_address(host: str) -> str | None:
    """Why ``host`` can only be a private address: a private IP literal, or a name of a private network."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        lowered = host.lower().rstrip(".")
        if lowered == "localhost" or lowered.endswith(PRIVATE_SUFFIXES):
            return f"{host!r} names a host of a private network"
        return None
    if address.is_private or address.is_loopback or address.is_link_local:
        return f"{host} is a private IP address"
    return None


def placeholder(value: str) -> str | None:
    """Why ``value`` is a placeholder rather than a real address, or ``None``."""
    host = host_of(value)
    labels = host.lower().rstrip(".").split(".")
    if labels[-1] in RESERVED_TLDS or ".".join(labels[-2:]) in RESERVED_DOMAINS:
        return f"{host!r} is a reserved example domain (RFC 2606)"
    if PLACEHOLDER_WORDS.search(value):
        return f"{value!r} reads as a placeholder"
    return None


def owned_hosts(config: dict[str, Any]) -> set[str]:
    """Addresses and names a stack's resources own literally: reserved addresses and DNS records."""
    resources = config.get("resource", {})
    owned: set[str] = set()
    for kind in ("google_compute_address", "google_compute_global_address"):
        for body in resources.get(kind, {}).values():
            if isinstance(body.get("address"), str):
                owned.add(body["address"])
    for body in resources.get("google_dns_record_set", {}).values():
        if isinstance(body.get("name"), str):
            owned.add(body["name"].rstrip("."))
    return owned


def hosts_in(text: str) -> Iterator[str]:
    """Every host-looking word of a literal (URLs, emails, bare addresses), for the invariant."""
    for word in re.split(r"[\s,;]+", text):
        if not word:
            continue
        host = host_of(word)
        if HOST.fullmatch(host) or ":" in host:
            yield host
