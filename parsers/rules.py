"""User-defined regular expressions: a watch's ``patterns`` and its ``follow`` rules.

They run on page text, which is untrusted, so they run on RE2
(``google-re2``): matching takes time linear in the text whatever the
pattern, and a pattern RE2 cannot run (backreferences, lookahead and
lookbehind) is refused when the configuration is loaded, with a message that
says so. Python's ``\\w``, ``\\d``, ``\\s`` (and their negations outside a
character class) are rewritten to their Unicode meaning, so ``\\w+`` still
matches "été"; ``\\Z`` becomes RE2's ``\\z``. ``\\b`` is RE2's: ASCII words.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from model.kinds import rule_kinds

_CLASSES = {
    "w": r"\p{L}\p{N}_",
    "d": r"\p{Nd}",
    "s": r"\s\x{0b}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}\x{205f}\x{3000}",
}
_UNSUPPORTED = ("backreferences", "lookahead and lookbehind", "possessive or atomic groups")


def _escape(regex: str, i: int, in_class: bool) -> str:
    """The RE2 form of the escape at ``regex[i]`` (a backslash and what follows)."""
    letter = regex[i + 1]
    if letter in _CLASSES:
        return _CLASSES[letter] if in_class else f"[{_CLASSES[letter]}]"
    if letter.lower() in _CLASSES and not in_class:
        return f"[^{_CLASSES[letter.lower()]}]"
    if letter == "Z" and not in_class:
        return r"\z"
    return regex[i : i + 2]


def to_re2(regex: str) -> str:
    """``regex`` with Python's Unicode classes spelled for RE2 (see the module doc)."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(regex):
        char = regex[i]
        if char == "\\" and i + 1 < len(regex):
            out.append(_escape(regex, i, in_class))
            i += 2
            continue
        out.append(char)
        i += 1
        if char == "[" and not in_class:
            in_class = True
            for lead in ("^", "]"):  # "[^" and a "]" right after the opening are not the end
                if regex[i : i + 1] == lead:
                    out.append(lead)
                    i += 1
        elif char == "]" and in_class:
            in_class = False
    return "".join(out)


@lru_cache(maxsize=1024)
def compile_regex(regex: str) -> Any:
    """``regex`` compiled by RE2; raises ValueError with a clear message when it cannot be."""
    import re2  # google-re2

    options = re2.Options()
    options.log_errors = False
    try:
        return re2.compile(to_re2(regex), options)
    except re2.error as exc:
        detail = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else exc
        raise ValueError(
            f"invalid regular expression or one that cannot run in linear time: {detail} "
            f"(RE2 syntax: no {', '.join(_UNSUPPORTED)})"
        ) from None


def search(regex: str, text: str) -> bool:
    """Whether ``regex`` (compiled by RE2, cached) matches somewhere in ``text``."""
    return compile_regex(regex).search(text) is not None


@dataclass(frozen=True)
class PatternRule:
    """A watch's own rule: ``regex`` has a ``(?P<value>...)`` group (and may have ``subject``).

    ``kind`` is membership, figure or date; ``subject`` names the fact when the
    regex has no ``subject`` group (default: the rule's name).
    """

    name: str
    kind: str
    regex: str
    subject: str | None = None

    def __post_init__(self) -> None:
        self.compiled()

    def compiled(self) -> Any:
        """The compiled regex (RE2); raises ValueError with a clear message when unusable."""
        if self.kind not in rule_kinds():
            kinds = ", ".join(rule_kinds())
            raise ValueError(f"rule {self.name!r}: kind must be one of {kinds}, not {self.kind!r}")
        return _compile(self.name, self.regex)


def _compile(name: str, regex: str) -> Any:
    try:
        pattern = compile_regex(regex)
    except ValueError as exc:
        raise ValueError(f"rule {name!r}: the regex does not compile: {exc}") from None
    if "value" not in pattern.groupindex:
        raise ValueError(f"rule {name!r}: the regex needs a named group (?P<value>...)")
    return pattern
