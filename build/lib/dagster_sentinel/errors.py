"""Sentinel's exception tree. Catch these narrow types; re-raise with `from e`.

SentinelError
├── ConfigurationError      bad or contradictory settings
├── StoreError              the incident store cannot be reached or written
└── DeliveryError           Slack refused or could not be reached
    └── RetryLater          transient: try again after `retry_after` seconds
"""

from __future__ import annotations


class SentinelError(Exception):
    """Base class of every error Sentinel raises on purpose."""


class ConfigurationError(SentinelError):
    """A setting is missing, malformed or contradictory."""


class StoreError(SentinelError):
    """The incident store could not be read or written."""


class DeliveryError(SentinelError):
    """A message could not be delivered and should not be retried as is."""


class RetryLater(DeliveryError):
    """A transient delivery failure (429, 5xx, connection error)."""

    def __init__(self, message: str, retry_after: float = 30.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after
