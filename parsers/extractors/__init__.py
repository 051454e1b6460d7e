"""The built-in extractors; importing this package registers them."""

from __future__ import annotations

from parsers.extractors import collections, dates, figures, memberships, modified, tables

__all__ = ["collections", "dates", "figures", "memberships", "modified", "tables"]
