"""What every alert policy needs: who is told and how long a condition must hold."""

from __future__ import annotations

from mindmirror_infra import validation
from mindmirror_infra.errors import InvalidConfig

# Cloud Monitoring accepts at most this many notification channels on a policy.
MAX_POLICY_CHANNELS = 16


def check_channels(field: str, channels: tuple[str, ...]) -> None:
    """An alert nobody hears is no alert: 1 to 16 channels."""
    if not channels or len(channels) > MAX_POLICY_CHANNELS:
        raise InvalidConfig(field, channels, f"expected 1 to {MAX_POLICY_CHANNELS} notification channels")
    validation.check_unique(field, channels)


def seconds(value: int) -> str:
    """``300`` -> ``"300s"``, as the Monitoring API writes durations."""
    return f"{value}s"
