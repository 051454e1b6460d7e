"""Faster regex scanning: a leading lookahead on the characters a match can start with.

Python's regex engine tries a whole pattern at every position of the text.
Most of our patterns can only start at a few characters (a digit, a month's
first letter, a space), so a one-character lookahead in front of them skips
every other position cheaply. The gate is computed from the pattern itself:
the matches found are exactly those of the plain pattern.
"""

from __future__ import annotations

import re
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import Any

_CATEGORIES: dict[Any, str] = {
    sre.CATEGORY_DIGIT: r"\d",
    sre.CATEGORY_NOT_DIGIT: r"\D",
    sre.CATEGORY_SPACE: r"\s",
    sre.CATEGORY_NOT_SPACE: r"\S",
    sre.CATEGORY_WORD: r"\w",
    sre.CATEGORY_NOT_WORD: r"\W",
}
_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT))
_ZERO_WIDTH = (sre.AT, sre.ASSERT, sre.ASSERT_NOT)
_GLOBAL_FLAGS = re.compile(r"^\(\?[aiLmsux]+\)")


class _Ungateable(Exception):
    """The pattern can start with any character (or we cannot tell which)."""


# (class fragment, case-insensitive) pairs: what a match may start with
_First = set[tuple[str, bool]]


def gated(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(pattern, flags)`` behind a lookahead on its possible first characters.

    Falls back to the plain pattern when any character may start a match.
    """
    gate = first_char_gate(pattern, flags)
    if gate is None:
        return re.compile(pattern, flags)
    inline = _GLOBAL_FLAGS.match(pattern)
    head = inline.group(0) if inline else ""
    return re.compile(f"{head}{gate}(?:{pattern[len(head) :]})", flags)


def first_char_gate(pattern: str, flags: int = 0) -> str | None:
    """A lookahead accepting every character a match of ``pattern`` can start with, or None."""
    try:
        parsed = _parser.parse(pattern, flags)
        first, nullable = _seq(list(parsed), bool(parsed.state.flags & re.IGNORECASE))
    except _Ungateable:
        return None
    if nullable or not first:
        return None
    sensitive = "".join(sorted(frag for frag, icase in first if not icase))
    insensitive = "".join(sorted(frag for frag, icase in first if icase))
    parts = [f"[{sensitive}]"] if sensitive else []
    parts += [f"(?i:[{insensitive}])"] if insensitive else []
    return f"(?={'|'.join(parts)})"


def _seq(items: list[tuple[Any, Any]], icase: bool) -> tuple[_First, bool]:
    """First characters of a sequence, and whether it can match the empty string."""
    first: _First = set()
    for op, av in items:
        chars, nullable = _item(op, av, icase)
        first |= chars
        if not nullable:
            return first, False
    return first, True


def _item(op: Any, av: Any, icase: bool) -> tuple[_First, bool]:
    if op is sre.LITERAL:
        return {(re.escape(chr(av)), icase)}, False
    if op is sre.IN:
        return {(_class(av), icase)}, False
    if op is sre.BRANCH:
        first: _First = set()
        nullable = False
        for alternative in av[1]:
            chars, empty = _seq(list(alternative), icase)
            first |= chars
            nullable = nullable or empty
        return first, nullable
    if op is sre.SUBPATTERN:
        _group, add, remove, sub = av
        icase = bool((icase or add & re.IGNORECASE) and not remove & re.IGNORECASE)
        return _seq(list(sub), icase)
    if op in _REPEATS:
        low, _high, sub = av
        chars, empty = _seq(list(sub), icase)
        return chars, empty or low == 0
    if op in _ZERO_WIDTH:
        return set(), True
    raise _Ungateable(op)


def _class(items: list[tuple[Any, Any]]) -> str:
    out = []
    for op, av in items:
        if op is sre.LITERAL:
            out.append(re.escape(chr(av)))
        elif op is sre.RANGE:
            out.append(f"{re.escape(chr(av[0]))}-{re.escape(chr(av[1]))}")
        elif op is sre.CATEGORY and av in _CATEGORIES:
            out.append(_CATEGORIES[av])
        else:
            raise _Ungateable(op)
    return "".join(out)
