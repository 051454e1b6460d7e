"""The built-in extractors; importing this package registers them."""

from __future__ import annotations

from parsers.extractors import dates, figures, memberships, modified

__all__ = ["dates", "figures", "memberships", "modified"]
