"""Dates and what happened on them ("Voluntary Principles launched": 2020-03)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from model.facts import Fact
from parsers.analysis import Analysis
from parsers.dates import DateMatch, find_dates
from parsers.entities import canonical_name
from parsers.extractors.common import make_fact
from parsers.numbers import NUMBER_WORDS, QUALIFIERS, SCALES
from parsers.phrases import JOIN_VERBS, is_en_verb, proper_runs, shorten
from parsers.registry import extractor

_TOKEN = re.compile(r"[\w’'&.-]+|[(),;:]")
_EVENT = re.compile(
    r"^\s*((?:(?:yearly|annual|ministerial|leaders['’]?|general|plenary|virtual)\s+)?"
    r"(?:meeting|summit|conference|session|forum|election|census|ministerial|gathering))"
    r"(?:\s+(?:held|hosted|convened|organized|organised)\s+(in|at)\s+(?:the\s+)?)?"
)
_FR_AUX = re.compile(
    r"\b(?:a|ont|avait|avaient|est|sont|sera|seront|s['’]est|se sont)\s+(?:été\s+)?"
    r"(?:(?:officiellement|également|aussi|déjà)\s+)?(?P<verb>[a-zéèêàçû]+)\b"
)
_SKIP = frozenset(
    [
        "to",
        "the",
        "a",
        "an",
        "its",
        "their",
        "his",
        "her",
        "our",
        "newly",
        "recently",
        "officially",
        "le",
        "la",
        "les",
        "l'",
        "l’",
        "un",
        "une",
        "des",
        "du",
        "au",
        "aux",
        "à",
        "de",
        "sa",
        "son",
        "ses",
        "leur",
        "leurs",
        "nouvellement",
        "nouveau",
        "nouvelle",
        "officiellement",
        "plus",
        "près",
        "moins",
        "environ",
        "again",
        "next",
    ]
)
_FR_STOPS = frozenset(
    [
        "pour",
        "de",
        "du",
        "des",
        "contre",
        "sur",
        "à",
        "au",
        "aux",
        "en",
        "dans",
        "qui",
        "et",
        "avec",
        "par",
    ]
)
_EN_STOPS = frozenset(
    ["to", "of", "in", "on", "for", "with", "by", "from", "at", "and", "which", "that", "who", "as"]
)
_NUMBERISH = frozenset(NUMBER_WORDS) | frozenset(SCALES) | frozenset(QUALIFIERS) | {"total"}


@extractor("dates", "date")
def dates(analysis: Analysis) -> Iterator[Fact]:
    """Every dated statement, with the event it dates as subject (sentences with a year only)."""
    lang = analysis.doc.lang
    for item in analysis.sentences:
        if not item.features.year:
            continue
        text = item.text
        for subject, match in analysis.once(("dates", text), _dated, text, lang):
            value: dict[str, Any] = {"date": match.iso}
            if match.iso_end:
                value["date_end"] = match.iso_end
            order = item.sentence.order(match.start)
            yield make_fact("date", subject, value, item.sentence, order, rule="dates")


def _dated(text: str, lang: str) -> tuple[tuple[str, DateMatch], ...]:
    """Each date of a sentence with the event it dates."""
    return tuple((event_subject(text, match, lang), match) for match in find_dates(text))


def event_subject(text: str, date: DateMatch, lang: str) -> str:
    """What the date dates, from the verb nearest to it and that verb's object."""
    event = _EVENT.match(text[date.end :])
    text = text[: date.start] + "·" * (date.end - date.start) + text[date.end :]
    if event:
        return _event_phrase(text, date.end, event)
    label = _LABEL_BEFORE.search(text[: date.start])
    if label:
        return _LABELS.get(label.group(1).lower(), "published")
    verb = _find_verb(text, date, lang)
    if verb is None:
        return (
            "publié" if lang == "fr" else "published" if _dateline(text) else _fallback(text, date)
        )
    word, start, end = verb
    obj = object_after(text[end:], lang, long=word in JOIN_VERBS)
    if word in JOIN_VERBS:
        actor = _actor_before(text[:start])
        return " ".join(p for p in (actor, "joined" if lang == "en" else "a rejoint", obj) if p)
    if not obj:
        obj = _passive_subject(text[:start], lang)
    return f"{obj} {word}".strip() if obj else word


_LABEL_BEFORE = re.compile(
    r"^\W*(?i:(published|released|issued|posted|last updated|updated|publié|mis à jour))\s*:?\s*$"
)
_LABELS = {"last updated": "updated", "updated": "updated", "mis à jour": "mis à jour"}


def _dateline(text: str) -> bool:
    """A short line with a date and places only ("February 14, 2024 Ottawa, Ontario")."""
    words = re.findall(r"[^\W\d_][\w’'-]*", text)
    return len(words) <= 8 and all(w[0].isupper() or w.lower() in ("de", "du") for w in words)


def _event_phrase(text: str, pos: int, event: re.Match[str]) -> str:
    noun = event.group(1)
    if not event.group(2):
        return noun
    runs = proper_runs(text[pos + event.end() :])
    place = runs[0][2] if runs and runs[0][0] == 0 else ""
    return f"{noun} held {event.group(2)} {place}".strip()


def _find_verb(text: str, date: DateMatch, lang: str) -> tuple[str, int, int] | None:
    verbs = _fr_verbs(text) if lang == "fr" else _en_verbs(text)
    verbs = [v for v in verbs if not date.start <= v[1] < date.end]
    if not verbs:
        return None
    before = [v for v in verbs if v[1] < date.start]
    after = [v for v in verbs if v[1] >= date.end]
    if after and (not before or text[date.end : date.end + 1] == ","):
        return after[0]
    return before[-1] if before else after[0]


def _en_verbs(text: str) -> list[tuple[str, int, int]]:
    out, previous = [], ""
    for m in _TOKEN.finditer(text):
        word = m.group(0)
        modal = previous in ("will", "would", "shall", "may") and word.isalpha()
        if (modal and word.islower() and word not in _EN_STOPS) or is_en_verb(word, previous):
            out.append((word, m.start(), m.end()))
        previous = word
    return out


def _fr_verbs(text: str) -> list[tuple[str, int, int]]:
    return [(m.group("verb"), m.start("verb"), m.end("verb")) for m in _FR_AUX.finditer(text)]


def object_after(rest: str, lang: str, long: bool = False) -> str:
    """The object of a verb: a (shortened) name, or a few plain words, articles skipped."""
    tokens = list(_TOKEN.finditer(rest))
    i = 0
    while i < len(tokens) and i < 6:
        low = tokens[i].group(0).lower()
        adjective = _adjective(tokens[i].group(0), tokens, i)
        if low in _SKIP or low in _NUMBERISH or low[:1].isdigit() or adjective:
            i += 1
            continue
        break
    if i >= len(tokens):
        return ""
    start = tokens[i].start()
    runs = proper_runs(rest[start:])
    if runs and runs[0][0] == 0 and lang == "en":
        name = canonical_name(runs[0][2])
        return shorten(name, 8 if long else 5)
    return _plain_phrase(tokens[i:], lang)


def _adjective(word: str, tokens: list[re.Match[str]], i: int) -> bool:
    """A lowercase word before a capitalised name ("newly established Global ...")."""
    nxt = tokens[i + 1].group(0) if i + 1 < len(tokens) else ""
    return word.isalpha() and word.islower() and nxt[:1].isupper() and word not in _EN_STOPS


def _plain_phrase(tokens: list[re.Match[str]], lang: str) -> str:
    stops = _FR_STOPS if lang == "fr" else _EN_STOPS
    words: list[str] = []
    for t in tokens[:6]:
        word = t.group(0)
        if not word[0].isalnum() or (word.lower() in stops and (lang == "en" or words)):
            break
        if word.lower() in ("de", "d'") and lang == "fr" and len(words) != 1:
            break
        words.append(word.strip("."))
        if len(words) == 4:
            break
    while words and words[-1].lower() in stops:
        words.pop()
    return " ".join(words)


def _actor_before(head: str) -> str:
    runs = proper_runs(head)
    if runs and head[runs[-1][1] :].strip(" ,").split()[-1:] in ([], ["has"], ["a"], ["s'est"]):
        return canonical_name(runs[-1][2])
    return canonical_name(runs[-1][2]) if runs else ""


def _passive_subject(head: str, lang: str) -> str:
    words = re.findall(r"[\w’'-]+", head)
    while words and words[-1].lower() in ("was", "were", "is", "are", "been", "has", "have", "be"):
        words.pop()
    runs = proper_runs(head)
    if runs and runs[-1][1] >= len(head.rstrip()) - 12:
        return shorten(canonical_name(runs[-1][2]))
    kept = [w for w in words[-2:] if w.lower() not in _SKIP]
    return " ".join(kept)


def _fallback(text: str, date: DateMatch) -> str:
    runs = [r for r in proper_runs(text) if not date.start <= r[0] < date.end]
    if runs:
        return shorten(canonical_name(runs[0][2]))
    words = re.findall(r"[^\W\d_][\w’'-]*", text[: date.start] + " " + text[date.end :])
    return " ".join(w for w in words if w.lower() not in _SKIP)[:60].strip() or "date"
