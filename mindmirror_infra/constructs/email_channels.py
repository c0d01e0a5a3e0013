"""Cloud Monitoring notification channels that send email."""

from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_google.monitoring_notification_channel import MonitoringNotificationChannel
from constructs import Construct

from mindmirror_infra import validation
from mindmirror_infra.constructs.addresses import pin
from mindmirror_infra.constructs.alert_props import MAX_POLICY_CHANNELS


@dataclass(frozen=True)
class EmailChannelsProps:
    """Attributes:
    project_id: the project whose alerts and budget notify.
    emails: the addresses, one channel each; 1 to 16, as many as an alert policy notifies.
    """

    project_id: str
    emails: tuple[str, ...]

    def __post_init__(self) -> None:
        validation.check_emails("EmailChannelsProps.emails", self.emails, MAX_POLICY_CHANNELS)


class EmailChannels(Construct):
    """One email channel per address, addressed ``google_monitoring_notification_channel.email_<address>``."""

    def __init__(self, scope: Construct, construct_id: str, props: EmailChannelsProps) -> None:
        super().__init__(scope, construct_id)
        self.channels = {
            email: pin(
                MonitoringNotificationChannel(
                    self,
                    email,
                    project=props.project_id,
                    type="email",
                    display_name=f"Email {email}",
                    labels={"email_address": email},
                ),
                "email",
                email,
            )
            for email in props.emails
        }

    @property
    def names(self) -> tuple[str, ...]:
        """The channels' resource names, as alert policies and budgets reference them."""
        return tuple(channel.name for channel in self.channels.values())
