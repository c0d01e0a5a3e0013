"""Cloud Monitoring notification channels that send email."""

from __future__ import annotations

from dataclasses import dataclass

from cdktn_provider_google.monitoring_notification_channel import MonitoringNotificationChannel
from constructs import Construct

from mindmirror_infra import validation
from mindmirror_infra.constructs.addresses import pin
from mindmirror_infra.errors import InvalidConfig


@dataclass(frozen=True)
class EmailChannelsProps:
    """Attributes:
    project_id: the project whose alerts and budget notify.
    emails: the addresses, one channel each; at least one.
    """

    project_id: str
    emails: tuple[str, ...]

    def __post_init__(self) -> None:
        validation.check_names("EmailChannelsProps.emails", self.emails, "email addresses")
        if not self.emails:
            raise InvalidConfig("EmailChannelsProps.emails", self.emails, "expected at least one address")
        for email in self.emails:
            validation.check_name("EmailChannelsProps.emails", email, validation.EMAIL)
        validation.check_unique("EmailChannelsProps.emails", self.emails)


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
