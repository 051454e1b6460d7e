"""The factwatch exception tree.

Every error factwatch raises on purpose derives from :class:`FactwatchError`::

    FactwatchError
    ├── ConfigError            the YAML, an environment variable or a CLI value is wrong
    ├── FetchError             a page could not be fetched; ``reason`` is a short code
    │   ├── BlockedTargetError a URL or redirect points at a refused address or scheme
    │   ├── FetchTimeoutError  a timeout or the total deadline was exceeded
    │   ├── ConnectError       the server could not be reached
    │   ├── HTTPStatusError    the server answered with an error status
    │   ├── ContentTypeError   the body is not a document we parse
    │   └── TooLargeError      the body exceeds the configured cap
    ├── ParseError             a body could not be turned into a document
    │   ├── EmptyContentError  ... it parsed, but its main content holds no text
    │   ├── UnreadablePdfError ... it claims to be a PDF but cannot be read as one
    │   ├── SelectorError      ... a watch's CSS selector is invalid or matches nothing
    │   └── ResourceLimitError ... parsing it used more CPU time or memory than allowed
    ├── StoreError             the database refused or failed a write
    ├── UnknownWatchError      a watch name that is neither configured nor stored
    ├── CheckAbandoned         a check's result arrived after it was cut off
    ├── SlotTaken              a check of this watch and slot is already recorded
    ├── ArchiveError           a WARC file is damaged, hostile, or holds nothing to import
    └── DeliveryError          an alert channel refused or failed a message
        └── PermanentDeliveryError  ... and retrying will not help

Normal results are never exceptions: a check returns
``Unchanged | Changed | Failed(reason)`` (see :mod:`model.outcomes`); the check
turns a ``FetchError`` or ``ParseError`` into ``Failed`` with its ``reason``.
"""

from __future__ import annotations


class FactwatchError(Exception):
    """Base of every error factwatch raises on purpose."""


class SlotTaken(FactwatchError):
    """A check of this watch and slot is already recorded (a redelivered or duplicated task)."""


class ConfigError(FactwatchError):
    """The configuration is invalid; the message names the file, line and key."""


class FetchError(FactwatchError):
    """A page could not be fetched. ``reason`` is a short stable code for reports.

    ``retry_after`` carries the server's ``Retry-After`` header, when it sent one.
    """

    reason = "fetch-error"

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class BlockedTargetError(FetchError):
    """The URL, or a redirect hop, points at a refused scheme or a private address."""

    reason = "blocked-target"


class FetchTimeoutError(FetchError):
    """A connect/read timeout or the total deadline of a fetch was exceeded."""

    reason = "timeout"


class ConnectError(FetchError):
    """The server could not be reached (refused, reset, DNS failure)."""

    reason = "connection"


class HTTPStatusError(FetchError):
    """The server answered with a 4xx or 5xx status."""

    reason = "http-status"


class ContentTypeError(FetchError):
    """The response is not HTML, PDF or plain text."""

    reason = "content-type"


class TooLargeError(FetchError):
    """The response body is larger than ``fetch.max_bytes``."""

    reason = "too-large"


class ParseError(FactwatchError):
    """The body could not be turned into a document; the message says why."""

    reason = "parse"


class EmptyContentError(ParseError):
    """The page parsed, but its main content holds no text."""


class UnreadablePdfError(ParseError):
    """The body claims to be a PDF but cannot be read as one."""


class SelectorError(ParseError, ValueError):
    """A watch's CSS selector is invalid or matches nothing."""


class ResourceLimitError(ParseError):
    """Parsing the body was stopped: it used more CPU time or memory than allowed."""

    reason = "resource-limit"


class StoreError(FactwatchError):
    """The database refused or failed a write."""


class UnknownWatchError(FactwatchError):
    """A watch name that is neither in the configuration nor in the database."""


class CheckAbandoned(FactwatchError):
    """A check's result arrived after it was cut off; its transaction is refused."""


class ArchiveError(FactwatchError):
    """A WARC file is damaged or hostile, or holds no capture to import; nothing was imported."""


class DeliveryError(FactwatchError):
    """An alert channel failed to deliver; retrying later may succeed."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentDeliveryError(DeliveryError):
    """An alert channel refused a message for good (SMTP 5xx, HTTP 4xx)."""
