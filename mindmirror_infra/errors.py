"""The one error type for input the project refuses."""

from __future__ import annotations

from typing import Any


class InvalidConfig(ValueError):
    """A catalog entry, environment setting or construct prop that is not allowed.

    The message always names the field, the value given and what is allowed, on
    one line, so the CLI can print it as it is.
    """

    def __init__(self, field: str, value: Any, allowed: str) -> None:
        self.field = field
        self.value = value
        self.allowed = allowed
        super().__init__(f"{field}: {value!r} is not allowed; {allowed}")

    def __reduce__(self) -> tuple[type[InvalidConfig], tuple[str, Any, str]]:
        # Pickled by a synthesis worker for its parent; the default would pass only the message.
        return (InvalidConfig, (self.field, self.value, self.allowed))
