"""Small phrase finders: proper names, verbs and the noun phrases around them."""

from __future__ import annotations

import re

_CAP = r"(?:(?:[ldLD][’'])?(?:[A-ZÀ-Ý][\w’'&.-]*[\w.)]|[A-ZÀ-Ý])|\d+[A-Za-z][\w-]*)"
_CONN = r"(?:of|on|for|and|to|the|de|du|des|la|le|les|et|am|an|der|&|l['’]|d['’])"
PROPER_RUN = re.compile(rf"(?<![\w'’]){_CAP}(?:\s+(?:{_CONN}\s*){{0,2}}{_CAP})*")
_TRAILING_CONN = re.compile(rf"(?:\s+{_CONN})+$")
STOP_CAPS = frozenset(
    [
        "In",
        "The",
        "A",
        "An",
        "On",
        "At",
        "Since",
        "For",
        "This",
        "These",
        "That",
        "Those",
        "Its",
        "Their",
        "Our",
        "As",
        "By",
        "With",
        "From",
        "To",
        "Of",
        "And",
        "Le",
        "La",
        "Les",
        "L'",
        "L’",
        "En",
        "Au",
        "Aux",
        "Depuis",
        "Dans",
        "Un",
        "Une",
        "Des",
        "Ce",
        "Cette",
        "Ces",
        "Il",
        "Elle",
        "Ils",
        "Elles",
        "Consult",
        "See",
        "Read",
        "Also",
        "However",
        "Today",
        "Following",
        "After",
        "Before",
        "During",
        "Under",
        "Over",
        "Through",
        "Between",
        "When",
        "While",
        "Since",
        "Industry",
        "Par",
        "Pour",
        "Selon",
        "Lors",
        "Après",
        "Avant",
        "Entre",
        "Consultez",
        "Voir",
        "Ainsi",
        "Toutefois",
        "Aujourd'hui",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
)
SHORTEN_AT = frozenset(
    ["to", "on", "for", "of", "against", "in", "pour", "sur", "contre", "visant", "en"]
)
EN_IRREGULAR = frozenset(
    [
        "made",
        "held",
        "sent",
        "took",
        "began",
        "become",
        "became",
        "gave",
        "won",
        "met",
        "set",
        "built",
        "rose",
        "fell",
        "brought",
        "came",
        "went",
        "saw",
        "led",
        "chose",
        "put",
        "ran",
        "spoke",
        "wrote",
        "grew",
        "reached",
        "hit",
        "paid",
        "told",
        "found",
        "kept",
        "left",
        "lost",
        "sold",
        "taught",
        "thought",
        "understood",
        "withdrew",
        "undertook",
    ]
)
NOT_VERBS = frozenset(
    [
        "based",
        "need",
        "united",
        "limited",
        "related",
        "red",
        "bed",
        "shed",
        "embed",
        "speed",
        "seed",
        "feed",
        "hundred",
        "exceed",
        "proceed",
        "succeed",
        "indeed",
        "interested",
        "concerned",
        "involved",
        "dedicated",
        "advanced",
    ]
)
ADJ_MARKERS = frozenset(
    [
        "the",
        "a",
        "an",
        "newly",
        "recently",
        "well",
        "its",
        "their",
        "this",
        "that",
        "these",
        "those",
    ]
)
JOIN_VERBS = frozenset({"joined", "rejoint", "joint", "adhéré", "acceded", "adhered"})


def proper_runs(text: str) -> list[tuple[int, int, str]]:
    """Capitalised name runs ("Five Country Ministerial"), sentence openers stripped."""
    out = []
    for m in PROPER_RUN.finditer(text):
        start, name = m.start(), m.group(0)
        words = name.split()
        while words and (words[0] in STOP_CAPS or words[0].lower() in ("the", "l'", "l’")):
            start += len(words[0]) + 1
            words = words[1:]
            name = " ".join(words)
        name = _TRAILING_CONN.sub("", name).rstrip(".")
        name = re.sub(r"[’']s$", "", name)
        if name and name not in STOP_CAPS:
            out.append((start, start + len(name), name))
    return out


def shorten(name: str, limit: int = 5) -> str:
    """Cut a long name at its first "to/on/for/of" ("Voluntary Principles")."""
    words = name.split()
    if len(words) <= limit:
        return name
    for i, word in enumerate(words[1:], 1):
        if word.lower() in SHORTEN_AT:
            return " ".join(words[:i])
    return " ".join(words[:limit])


def is_en_verb(word: str, previous: str = "") -> bool:
    """A past-tense English verb ("launched", "made"), not an adjective ("newly established")."""
    if not word.islower() or previous.lower() in ADJ_MARKERS or word in NOT_VERBS:
        return False
    return (word.endswith("ed") and len(word) > 4) or word in EN_IRREGULAR


def lowercase_phrase(words: list[str], stops: frozenset[str], limit: int = 3) -> str:
    """The leading run of ``words`` up to ``limit`` words, stopping at a stop word."""
    out: list[str] = []
    for word in words:
        clean = word.strip(',.;:()"“”')
        if not clean or clean.lower() in stops or len(out) >= limit:
            break
        out.append(clean)
        if clean != word.rstrip(".") and word[-1:] in ",;:)":
            break
    return " ".join(out)
