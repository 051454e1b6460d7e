"""Page text made safe to print: no control characters reach a terminal or a plain-text mail.

A page can hold ``ESC ] 0 ; ... BEL`` (which retitles a terminal), ``ESC [``
sequences (colours, cursor moves, a cleared screen), a carriage return that
overprints the line, or bidirectional overrides that make text read in
another order than it is stored. :func:`printable` removes them: every C0
and C1 control character (but the line break and the tab, when asked to keep
them), DEL, and the Unicode line and paragraph separators and bidirectional
controls. Every terminal and plain-text output of page-derived text goes
through it; JSON output escapes instead, and HTML output escapes its own way.
"""

from __future__ import annotations

import re

_CONTROLS = r"\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[{_CONTROLS}]")
_UNSAFE_LINE = re.compile(f"[\t\n{_CONTROLS}]")


def printable(text: str, *, lines: bool = True) -> str:
    """``text`` without control characters; ``lines=False`` also turns breaks and tabs to spaces."""
    if lines:
        return _UNSAFE.sub("", text)
    return _UNSAFE_LINE.sub(lambda m: " " if m.group() in "\t\n" else "", text)
