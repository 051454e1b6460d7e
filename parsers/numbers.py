"""Find amounts in English and French text: numerals, number words, scales, currencies."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_EN_UNITS = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_EN_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]
_FR_UNITS = [
    "zéro",
    "un",
    "deux",
    "trois",
    "quatre",
    "cinq",
    "six",
    "sept",
    "huit",
    "neuf",
    "dix",
    "onze",
    "douze",
    "treize",
    "quatorze",
    "quinze",
    "seize",
    "dix-sept",
    "dix-huit",
    "dix-neuf",
]
_FR_TENS = ["vingt", "trente", "quarante", "cinquante", "soixante"]


def _en_words() -> dict[str, int]:
    words = {w: i for i, w in enumerate(_EN_UNITS)}
    for t, tens in enumerate(_EN_TENS, 2):
        words[tens] = t * 10
        for u in range(1, 10):
            words[f"{tens}-{_EN_UNITS[u]}"] = t * 10 + u
            words[f"{tens} {_EN_UNITS[u]}"] = t * 10 + u
    words.update({"a hundred": 100, "one hundred": 100, "a thousand": 1000, "a dozen": 12})
    words.update({"a million": 1, "a billion": 1, "hundred": 100, "dozen": 12})
    return words


def _fr_words() -> dict[str, int]:
    words = {w: i for i, w in enumerate(_FR_UNITS)}
    for t, tens in enumerate(_FR_TENS, 2):
        words[tens] = t * 10
        for u in range(1, 10):
            joiner = " et " if u == 1 else "-"
            words[f"{tens}{joiner}{_FR_UNITS[u]}"] = t * 10 + u
            words[f"{tens}-et-un"] = t * 10 + 1
    for u in range(0, 20):
        words[f"soixante-{_FR_UNITS[u]}" if u != 11 else "soixante et onze"] = 60 + u
        words[f"quatre-vingt-{_FR_UNITS[u]}"] = 80 + u
    words.update({"soixante-dix": 70, "quatre-vingts": 80, "quatre-vingt-dix": 90, "cent": 100})
    words.update({"une centaine": 100, "une dizaine": 10, "mille": 1000})
    words.pop("quatre-vingt-zéro", None)
    words.pop("soixante-zéro", None)
    return words


NUMBER_WORDS: dict[str, int] = {**_fr_words(), **_en_words()}


def trie_regex(words: list[str]) -> str:
    """An alternation of ``words`` as a prefix tree, longest match first (fast to scan)."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}
    return _node_regex(trie)


def _node_regex(node: dict[str, Any]) -> str:
    ends = "" in node
    branches = [re.escape(c) + _node_regex(child) for c, child in sorted(node.items()) if c]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if ends else body


_WORDS_RE = trie_regex(list(NUMBER_WORDS))
# "three hundred", "three hundred and twenty", "deux cent vingt": a number word, then
# "hundred" / "cent(s)" and maybe a smaller number word (thousands and millions are scales)
_HUNDREDS = r"(?:hundred|cents?)"
_COMPOSED_RE = (
    rf"{_WORDS_RE}(?:[\s-]+{_HUNDREDS}(?:(?:\s+and\s+|[\s-]+)"
    rf"{_WORDS_RE}(?![\s-]+{_HUNDREDS}\b))?)?"
)
_HUNDREDS_SPLIT = re.compile(rf"[\s-]+{_HUNDREDS}(?:\s+and\s+|[\s-]+|$)")

SCALES: dict[str, int] = {
    "thousand": 1_000,
    "million": 1_000_000,
    "millions": 1_000_000,
    "billion": 1_000_000_000,
    "billions": 1_000_000_000,
    "trillion": 1_000_000_000_000,
    "mille": 1_000,
    "milliard": 1_000_000_000,
    "milliards": 1_000_000_000,
    "m": 1_000_000,
    "M": 1_000_000,
    "bn": 1_000_000_000,
    "G": 1_000_000_000,
    "Md": 1_000_000_000,
    "k": 1_000,
    "K": 1_000,
}
QUALIFIERS: dict[str, str] = {
    "over": "over",
    "more than": "more than",
    "nearly": "nearly",
    "almost": "almost",
    "about": "about",
    "approximately": "approximately",
    "roughly": "about",
    "around": "about",
    "some": "about",
    "up to": "up to",
    "at least": "at least",
    "upwards of": "upwards of",
    "fewer than": "fewer than",
    "less than": "less than",
    "plus de": "more than",
    "près de": "nearly",
    "presque": "almost",
    "environ": "about",
    "quelque": "about",
    "au moins": "at least",
    "jusqu'à": "up to",
    "jusqu’à": "up to",
    "moins de": "fewer than",
    "pas moins de": "at least",
}
# a prefix tree: the longest qualifier first, as an alternation sorted by length would
_QUAL_RE = trie_regex(sorted(QUALIFIERS))
_CUR_PREFIX = r"(?P<cur>C\$|CA\$|CAN\$|US\$|CAD\s?\$?|USD\s?\$?|EUR\s?|GBP\s?|\$|€|£)"
_CUR_SUFFIX = (
    r"(?P<cur2>\s?(?:\$|€|£)|\s+(?:de\s+)?dollars?(?:\s+(?:canadiens|américains|US))?"
    r"|\s+(?:d['’]|de\s+)euros?|\s+euros?|\s+(?:de\s+)?livres(?:\s+sterling)?"
    r"|\s+pounds?(?:\s+sterling)?|\s+(?:CAD|USD|EUR|GBP)\b)"
)
_SCALE = (
    r"(?P<scale>\s+(?:thousand|millions?|billions?|trillion|mille|milliards?|milliard)\b"
    r"|\s?(?:bn|m|M|Md|G|k|K)(?![\w]))"
)
_PERCENT = r"(?P<pct>\s?%|\s+(?:per\s?cent|percent|pour\s?cent|p\.\s?100)\b)"
_DIGITS_EN = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_DIGITS_FR = r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?|\d+(?:[,.]\d+)?"


def _amount_re(digits: str) -> str:
    number = rf"(?:{digits}|(?i:{_COMPOSED_RE})(?![\w-]))"
    return (
        rf"(?<![\w'’-])(?:(?P<qual>(?i:{_QUAL_RE}))\s+)?(?:(?P<between>(?i:between|entre|from|de))\s+)?"
        rf"{_CUR_PREFIX}?(?<![\w.,/-])(?P<num>{number})"
        rf"(?:\s*(?:to|-|–|and|à|et)\s*(?P<num2>{number})(?![\w]))?"
        rf"(?:{_SCALE})?(?:{_CUR_SUFFIX})?(?:{_PERCENT})?(?![\w])(?!,\d)(?!\.\d)"
    )


AMOUNT_EN = re.compile(_amount_re(_DIGITS_EN))
AMOUNT_FR = re.compile(_amount_re(_DIGITS_FR))


@dataclass(frozen=True)
class Amount:
    """A number found in text, with its qualifier, scale, currency and percent sign."""

    start: int
    end: int
    amount: int | float
    qualifier: str | None
    currency: str | None
    percent: bool
    amount_max: int | float | None
    is_word: bool
    raw: str


def to_number(raw: str, lang: str) -> float | None:
    """The numeric value of a numeral or number word, or None."""
    key = raw.lower()
    if key in NUMBER_WORDS:
        return float(NUMBER_WORDS[key])
    if not key[:1].isdigit():
        return _composed_value(key)
    text = raw.replace("\u00a0", " ").replace("\u202f", " ")
    text = text.replace(" ", "").replace(",", ".") if lang == "fr" else text.replace(",", "")
    try:
        return float(text)
    except ValueError:
        return None


def _composed_value(key: str) -> float | None:
    """ "three hundred and twenty" -> 320, "deux cents" -> 200 (None when not a number)."""
    parts = _HUNDREDS_SPLIT.split(" ".join(key.split()), maxsplit=1)
    if len(parts) != 2 or parts[0] not in NUMBER_WORDS:
        return None
    rest = NUMBER_WORDS.get(parts[1], 0 if not parts[1] else -1)
    if rest < 0:
        return None
    return float(NUMBER_WORDS[parts[0]] * 100 + rest)


def tidy(value: float) -> int | float:
    """An int when whole (29.4 million -> 29400000), else a float."""
    rounded = round(value, 6)
    return int(rounded) if rounded == int(rounded) else rounded


_FIRST_WORDS = frozenset(re.split(r"[ -]", w)[0] for w in NUMBER_WORDS) - {"a", "un", "une"}
_WORDISH = re.compile(r"[^\W\d_]+")
# a prefix tree scans fast; the whole-word test follows
_FIRST_WORDS_RE = re.compile(trie_regex(sorted(_FIRST_WORDS)))
_DIGIT = re.compile(r"\d")


def may_hold_number(text: str, lowered: str | None = None) -> bool:
    """Cheap test: a digit, or a word that can start a number word (``lowered``: text.lower())."""
    if _DIGIT.search(text):
        return True
    if lowered is None:
        lowered = text.lower()
    if any(f"a {s}" in lowered for s in ("hundred", "thousand", "million", "billion", "dozen")):
        return True
    return any(_whole_word(lowered, m) for m in _FIRST_WORDS_RE.finditer(lowered))


def _whole_word(text: str, m: re.Match[str]) -> bool:
    """The match is a whole run of letters (not part of a longer word)."""
    start, end = m.span()
    before = text[start - 1] if start else " "
    after = text[end] if end < len(text) else " "
    return not _WORDISH.match(before) and not _WORDISH.match(after)


def find_amounts(text: str, lang: str, dollar: str = "CAD") -> list[Amount]:
    """Every amount in ``text`` (already masked for dates, phones and references)."""
    if not may_hold_number(text):
        return []
    return scan_amounts(text, lang, dollar)


def scan_amounts(text: str, lang: str, dollar: str = "CAD") -> list[Amount]:
    """:func:`find_amounts` without its pre-check (the caller knows a number may be there)."""
    pattern = AMOUNT_FR if lang == "fr" else AMOUNT_EN
    out = []
    for m in pattern.finditer(text):
        amount = _amount(m, lang, dollar)
        if amount is not None:
            out.append(amount)
    return out


def _amount(m: re.Match[str], lang: str, dollar: str) -> Amount | None:
    value = to_number(m.group("num"), lang)
    if value is None:
        return None
    scale_word = (m.group("scale") or "").strip()
    currency = _currency(m.group("cur"), m.group("cur2"), dollar)
    if scale_word in ("m", "M", "bn", "G", "Md", "k", "K") and currency is None:
        return None
    scale = SCALES.get(scale_word, 1)
    if m.group("num").lower() in ("a million", "a billion"):
        scale, value = SCALES[m.group("num").split()[1].lower()], 1.0
    if value <= 1 and not m.group("num")[0].isdigit() and scale == 1:
        return None
    top = to_number(m.group("num2"), lang) if m.group("num2") else None
    if top is not None and not m.group("between") and _joined_by_and(m):
        return None
    qualifier = QUALIFIERS.get((m.group("qual") or "").lower())
    start = m.start()
    if m.group("between") and top is None and not m.group("qual"):
        start = m.start("cur") if m.group("cur") else m.start("num")  # "de 112 189": no range
    return Amount(
        start=start,
        end=m.end(),
        amount=tidy(value * scale),
        qualifier=qualifier,
        currency=currency,
        percent=bool(m.group("pct")),
        amount_max=tidy(top * scale) if top is not None else None,
        is_word=not m.group("num")[0].isdigit(),
        raw=m.group(0)[start - m.start() :],
    )


def _joined_by_and(m: re.Match[str]) -> bool:
    """ "8 and 10" without "between" is two numbers, not a range."""
    middle = m.group(0)[m.end("num") - m.start() : m.start("num2") - m.start()]
    return middle.strip() in ("and", "et")


def _currency(prefix: str | None, suffix: str | None, dollar: str) -> str | None:
    raw = (prefix or suffix or "").strip().lower()
    if not raw:
        return None
    for code, marks in _CURRENCY_MARKS.items():
        if any(mark in raw for mark in marks):
            return code
    return dollar if "$" in raw or "dollar" in raw else None


_CURRENCY_MARKS: dict[str, tuple[str, ...]] = {
    "USD": ("us$", "usd", "américains", "dollars us"),
    "CAD": ("c$", "ca$", "can$", "cad", "canadiens"),
    "EUR": ("€", "eur"),
    "GBP": ("£", "gbp", "livre", "pound"),
}
