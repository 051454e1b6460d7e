"""Figures: counted amounts ("over 11 million notifications"), money and percentages."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from model.facts import Fact
from parsers.analysis import Analysis
from parsers.extractors.common import find_period, make_fact, masked
from parsers.numbers import Amount, may_hold_number, scan_amounts
from parsers.phrases import EN_IRREGULAR, is_en_verb, proper_runs
from parsers.registry import extractor

_WORD = re.compile(r"\s*([^\s]+)")
EN_STOPS = frozenset(
    [
        "to",
        "of",
        "in",
        "from",
        "for",
        "on",
        "at",
        "by",
        "with",
        "across",
        "over",
        "under",
        "that",
        "which",
        "who",
        "whose",
        "have",
        "has",
        "had",
        "were",
        "was",
        "are",
        "is",
        "be",
        "been",
        "being",
        "spanning",
        "since",
        "per",
        "during",
        "than",
        "this",
        "these",
        "each",
        "every",
        "a",
        "an",
        "the",
        "as",
        "into",
        "through",
        "within",
        "worldwide",
        "globally",
        "annually",
        "alone",
        "now",
        "also",
        "so",
        "between",
        "among",
        "around",
        "including",
        "such",
        "and",
        "or",
        "but",
        "while",
        "where",
        "when",
        "will",
        "would",
        "can",
        "could",
        "may",
        "must",
        "should",
        "more",
        "less",
        "compared",
        "whichever",
    ]
)
FR_STOPS = frozenset(
    [
        "de",
        "d",
        "du",
        "des",
        "à",
        "au",
        "aux",
        "en",
        "dans",
        "pour",
        "par",
        "sur",
        "avec",
        "qui",
        "que",
        "dont",
        "ont",
        "a",
        "sont",
        "est",
        "été",
        "ce",
        "cette",
        "ces",
        "le",
        "la",
        "les",
        "l",
        "entre",
        "depuis",
        "pendant",
        "selon",
        "parmi",
        "environ",
        "et",
        "ou",
        "mais",
        "seulement",
        "plus",
        "moins",
        "au",
        "cours",
        "lors",
    ]
)
_VERBISH = frozenset(
    [
        "take",
        "takes",
        "took",
        "make",
        "makes",
        "get",
        "got",
        "remain",
        "remains",
        "come",
        "came",
        "receive",
        "attend",
        "represent",
        "participate",
        "work",
        "live",
        "worked",
        "lived",
        "étaient",
        "était",
        "seront",
        "sera",
        "furent",
        "participent",
        "vivent",
        "travaillent",
    ]
)
_TIME_UNITS = frozenset(
    [
        "years",
        "year",
        "months",
        "month",
        "weeks",
        "week",
        "days",
        "day",
        "ans",
        "an",
        "mois",
        "jours",
    ]
)


@dataclass(frozen=True)
class FigureHit:
    """A figure of one sentence before it becomes a fact."""

    subject: str
    value: dict[str, Any]
    start: int


@extractor("figures", "figure")
def figures(analysis: Analysis) -> Iterator[Fact]:
    """Amounts with the unit they count, in every sentence that may hold a number."""
    lang, dollar = analysis.doc.lang, analysis.dollar
    for item in analysis.sentences:
        if not item.features.number:
            continue
        text = item.text
        hits = analysis.once(("figures", text), _figures_of, text, lang, dollar)
        if not hits:
            continue
        sentence, period = item.sentence, find_period(text)[0]
        for hit in hits:
            order = sentence.order(hit.start)
            yield make_fact(
                "figure", hit.subject, dict(hit.value), sentence, order, period, rule="figures"
            )


def figures_in(text: str, lang: str = "en", dollar: str = "CAD") -> list[FigureHit]:
    """The figures of one sentence, in order."""
    return list(_figures_of(text, lang, dollar)) if may_hold_number(text) else []


def _figures_of(text: str, lang: str, dollar: str) -> tuple[FigureHit, ...]:
    """The figures of a sentence known to hold a digit or a number word."""
    hidden = masked(text)
    if hidden is not text and not may_hold_number(hidden):
        return ()
    hits = (_figure(text, amount, lang) for amount in scan_amounts(hidden, lang, dollar))
    return tuple(hit for hit in hits if hit is not None)


def _figure(text: str, a: Amount, lang: str) -> FigureHit | None:
    unit, unit_end = unit_after(text, a.end, lang, a.percent, a.is_word)
    if (not unit and not (a.currency or a.percent)) or unit.lower() in _TIME_UNITS:
        return None
    if a.is_word and re.search(r"(?:\bdes|\bof the|\bof)\s+$", text[: a.start]):
        return None
    if _is_year(a) and not (a.qualifier and unit):
        return None
    value: dict[str, Any] = {"amount": a.amount, "qualifier": a.qualifier, "unit": unit}
    if a.currency:
        value["currency"] = a.currency
    if a.percent:
        value["percent"] = True
    if a.amount_max is not None:
        value["amount_max"] = a.amount_max
    subject = figure_subject(text, a, unit, unit_end, lang)
    return FigureHit(subject, value, a.start) if subject else None


def _is_year(a: Amount) -> bool:
    plain = a.raw.strip().isdigit()
    return plain and isinstance(a.amount, int) and 1800 <= a.amount <= 2100 and not a.currency


def unit_after(text: str, pos: int, lang: str, percent: bool, strict: bool) -> tuple[str, int]:
    """The counted noun phrase right after an amount, and where it ends."""
    stops = FR_STOPS if lang == "fr" else EN_STOPS
    words: list[str] = []
    end = pos
    matches = list(_WORD.finditer(text, pos))[:8]
    i = 0
    while i < len(matches) and len(words) < 4:
        raw = matches[i].group(1)
        word = raw.strip(',.;:!?()"“”«»')
        low = word.lower()
        skip = {"of", "de", "d", "des"} | ({"the", "their", "its", "all"} if percent else set())
        if not words and low in skip:
            i += 1
            continue
        if not words and (low.startswith(("d'", "d’")) and len(low) > 2):
            word, low = word[2:], low[2:]
        if not _unit_word(word, low, words, stops, strict, matches, i):
            break
        if low in ("and", "et"):
            nxt = matches[i + 1].group(1).strip(",.;:") if i + 1 < len(matches) else ""
            step = 2 if nxt.lower() in ("de", "des") and i + 2 < len(matches) else 1
            words.append(word)
            i += step
            continue
        words.append(word)
        end = matches[i].end()
        i += 1
        if raw != word and not raw.endswith(("'", "’")):
            break
    while words and words[-1].lower() in ("and", "et"):
        words.pop()
    return " ".join(words), end


def _unit_word(
    word: str,
    low: str,
    words: list[str],
    stops: frozenset[str],
    strict: bool,
    matches: list[re.Match[str]],
    i: int,
) -> bool:
    if not word or not re.fullmatch(r"[^\W\d_][\w’'&-]*", word):
        return False
    if low in ("and", "et"):
        if not words or i + 1 >= len(matches):
            return False
        nxt = matches[i + 1].group(1).strip(",.;:").lower()
        nxt2 = matches[i + 2].group(1).strip(",.;:").lower() if i + 2 < len(matches) else ""
        nxt = nxt2 if nxt in ("de", "des") else nxt
        return bool(nxt) and nxt not in stops and nxt.isalpha()
    if low in stops or low in _VERBISH or (words and low.endswith(("é", "és", "ée", "ées"))):
        return False
    if not words and word[0].isupper() and (strict or word.isupper()):
        return False
    if words and (low.endswith("ed") or low.endswith("ing")) and low not in ("funding",):
        return False
    return not (not words and low in EN_IRREGULAR)


_AFTER_PREP = re.compile(r"^\s*(to|from|for|by|at|with|in|à|au|aux|auprès du|auprès de la)\s+")
_AFTER_VERB = re.compile(
    r"^\s*,?\s*(?:that|which|who|qui)?\s*(?:have|has|had|ont|avaient|a)?\s*"
    r"(?:now|also|already|since|so far|then|together|déjà|maintenant|aussi)?\s*"
    r"(?P<verb>[a-zéèêàç]+)\s+(?P<rest>.*)$"
)


def figure_subject(text: str, a: Amount, unit: str, unit_end: int, lang: str) -> str:
    """The unit plus what it counts when the sentence says it."""
    base = unit or _before_phrase(text, a.start, lang)
    if not base:
        return ""
    rest = text[unit_end:]
    target = _prep_target(rest)
    if target:
        return f"{base} {target}"
    action = _verb_object(rest, lang)
    if action:
        return f"{base} {'qui ont' if lang == 'fr' else 'that'} {action}"
    verb = _verb_before(text, a.start, lang) if unit else ""
    return f"{base} {verb}" if verb else base


def _prep_target(rest: str) -> str:
    prep = _AFTER_PREP.match(rest)
    if not prep:
        return ""
    window = rest[prep.end() : prep.end() + 90].split(",")[0]
    runs = [r for r in proper_runs(window) if r[0] < 30 and not r[2][0].isdigit()]
    if not runs:
        return ""
    best = max(runs, key=lambda r: len(r[2].split()))
    return f"{prep.group(1)} {best[2]}"


def _verb_object(rest: str, lang: str) -> str:
    m = _AFTER_VERB.match(rest)
    if not m:
        return ""
    verb = m.group("verb")
    is_verb = is_en_verb(verb) if lang == "en" else verb.endswith(("é", "ée", "és", "ées"))
    if not is_verb:
        return ""
    obj = _object(m.group("rest"))
    return f"{verb} {obj}".strip() if obj else ""


def _object(rest: str) -> str:
    article = re.match(r"(?:(the|les|la|le|l['’]|aux|au|à)\s*)?", rest)
    art = article.group(1) if article and article.group(1) else ""
    tail = rest[article.end() if article else 0 :]
    runs = proper_runs(tail)
    if runs and runs[0][0] == 0:
        name = runs[0][2]
    else:
        words = re.findall(r"[\w’'-]+", tail.split(",")[0])[:3]
        kept = []
        for w in words:
            if w.lower() in EN_STOPS | FR_STOPS:
                break
            kept.append(w)
        name = " ".join(kept)
    return f"{art} {name}".strip() if art.lower() == "the" and name else name


def _verb_before(text: str, start: int, lang: str) -> str:
    words = re.findall(r"[\w’'-]+", text[:start])
    if not words:
        return ""
    last = words[-1]
    if lang == "en":
        return last if is_en_verb(last, words[-2] if len(words) > 1 else "") else ""
    return last if last.endswith(("é", "és", "ée", "ées")) and last.islower() else ""


def _before_phrase(text: str, start: int, lang: str) -> str:
    words = re.findall(r"[\w’'-]+", text[:start])[-4:]
    stops = (FR_STOPS if lang == "fr" else EN_STOPS) | {"has", "have", "had", "will", "would"}
    while words and words[-1].lower() in stops | {"by", "par", "of", "de"}:
        words.pop()
    while words and words[0].lower() in stops:
        words.pop(0)
    return " ".join(words[-2:]).lower() if words else ""
