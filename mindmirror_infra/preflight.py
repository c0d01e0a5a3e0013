"""What ``mminfra plan`` and ``apply`` check before OpenTofu runs: no placeholder left in the environment.

A catalog may hold stand-ins (the strategy leaves the Qdrant address and the
alert email open); applied, every alert and budget notice would go nowhere
and the services would call hosts that do not exist. ``synth`` shows them; a
plan or apply refuses them, listing every one (docs/decisions/0015-data-plane.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mindmirror_infra.catalog import Environment
from mindmirror_infra.placeholders import host_of, owned_hosts, placeholder, private_address


@dataclass(frozen=True)
class Finding:
    """One field of the catalog that holds a stand-in, and why it is one."""

    field: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.value!r}: {self.reason}"


def findings(env: Environment, stack: dict[str, Any]) -> list[Finding]:
    """Every placeholder ``env`` holds: in its settings (with private addresses ``stack`` does not own) and emails."""
    where = f"environments[{env.name}]"
    owned = owned_hosts(stack)
    found: list[Finding] = []
    for key, value in env.settings.items():
        reason = placeholder(value)
        host = host_of(value)
        if reason is None and host not in owned:
            reason = private_address(host)
            if reason is not None:
                reason += " that no resource of the stack owns"
        if reason is not None:
            found.append(Finding(f"{where}.settings[{key}]", value, reason))
    for email in env.operations.notification_emails:
        reason = placeholder(email)
        if reason is not None:
            found.append(Finding(f"{where}.operations.notification_emails", email, reason))
    return found


def refusal(env: Environment, found: list[Finding]) -> str:
    """The message of a refused plan or apply: every finding, one a line."""
    lines = [
        f"{len(found)} placeholder value(s) in environments[{env.name}]; set real ones in the catalog "
        f"(`mminfra plan {env.name} --allow-placeholders` plans anyway; apply never does):",
        *(f"  {finding}" for finding in found),
    ]
    return "\n".join(lines)
