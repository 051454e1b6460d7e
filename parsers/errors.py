"""Errors raised by the parsers."""

from __future__ import annotations


class ParseError(Exception):
    """The body could not be turned into a document; the message says why."""


class EmptyContentError(ParseError):
    """The page parsed, but its main content holds no text."""


class UnreadablePdfError(ParseError):
    """The body claims to be a PDF but cannot be read as one."""


class SelectorError(ParseError, ValueError):
    """A watch's CSS selector is invalid or matches nothing."""
