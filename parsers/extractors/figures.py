"""Figures: what a number counts or measures, from the noun phrase and verb around it.

For each amount of a sentence (one amount, one figure), in this order:

1. a noun right after it is what it counts: "149 cases have now been confirmed",
   "1 133 nouveaux cas", "40% of victims"; the subject is that noun and the phrase
   that runs on from it ("cases have now been confirmed");
2. otherwise the amount completes a phrase before it: a measure and its complement
   ("a total of N", "un cumul de N", "nombre total de personnes infectées de N"), a
   verb and "to" ("bringing the total number of cases in Northern Ireland to 148",
   "porte à 3 le nombre de patients", "s'élève à 77"), a copula ("the number of tests
   completed is 2692", "est de 112 189"), or another verb ("Children aged 11 to 17",
   "a diminué de 5"); the subject is the measured noun phrase (with the verb when the
   verb says how it changed);
3. an amount that opens a clause without a noun ("5 sont survenus") counts the noun
   of the amount before it ("De ces 25 décès, ...").

A subject is always the sentence's own words, in order (:func:`parsers.chunks.phrase`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from model.facts import Fact
from parsers.analysis import Analysis
from parsers.chunks import Parse, parse_sentence, phrase
from parsers.extractors.common import find_period, make_fact
from parsers.lexicon import phrases, words
from parsers.numbers import Amount
from parsers.registry import extractor
from parsers.syntax import (
    Span,
    clause_subject,
    following,
    is_word_of,
    noun_phrase_after,
    np_start,
    object_before,
)

_OF = frozenset({"of", "de", "d'", "des"})
_TO = frozenset({"to", "à", "at"})
_BY = frozenset({"by", "de"})
_DEMONSTRATIVES = frozenset({"these", "those", "ces", "ce", "this"})
# "by" before a date is a limit; before an amount it is a change ("extend by two years")
_CHANGE_NOT_LIMIT = frozenset({("by",)})
# a duration is a limit when "within" opens it or a word after its noun relates it to an event
_LIMIT_BEFORE = frozenset({"within"})
_LIMIT_AFTER = frozenset({"before", "after", "prior", "of", "from", "avant", "après", "suivant"})


@dataclass(frozen=True)
class FigureHit:
    """A figure of one sentence before it becomes a fact."""

    subject: str
    value: dict[str, Any]
    start: int


@extractor("figures", "figure")
def figures(analysis: Analysis) -> Iterator[Fact]:
    """Amounts with what they count or measure, in every sentence that may hold a number."""
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


def _figures_of(text: str, lang: str, dollar: str) -> tuple[FigureHit, ...]:
    """The figures of a sentence known to hold a digit or a number word."""
    parse = parse_sentence(text, lang, dollar)
    if not parse.amounts:
        return ()
    out: list[FigureHit] = []
    units: list[str] = []
    for index, amount in _amount_chunks(parse):
        unit = _unit(parse, index, amount)
        units.append(_head_noun(parse, unit) if unit else "")
        if _anaphoric(parse, index):
            continue
        hit = _figure(parse, index, amount, unit, units[:-1])
        if hit is not None:
            out.append(hit)
    return tuple(out)


def _amount_chunks(parse: Parse) -> Iterator[tuple[int, Amount]]:
    """Each amount with the index of its chunk."""
    for amount in parse.amounts:
        index = parse.chunk_at(amount.start)
        if parse.kind(index) == "AMT":
            yield index, amount


def _unit(parse: Parse, index: int, amount: Amount) -> Span | None:
    """The noun phrase right after an amount that says what it counts ("149 cases")."""
    at = index + 1
    if parse.kind(at) in ("PREP", "PRON") and parse.low(at) in _OF:
        at += 1
    if parse.kind(at) != "NP":
        return None
    chunk = parse.chunks[at]
    tags = parse.tokens.tags
    lang = parse.tokens.lang
    opener = parse.tokens.lows[chunk.start]
    if (
        tags[chunk.start] == "DET"
        and not amount.percent
        and opener not in words(lang, "post_determiners")
    ):
        return None
    end = at + 1
    if parse.kind(end) == "CONJ" and parse.kind(end + 1) == "NP":
        following_np = parse.chunks[end + 1]
        if tags[following_np.start] not in ("DET", "PROPN"):
            end += 2  # "images and videos"
    return at, end


def _head_noun(parse: Parse, unit: Span) -> str:
    chunk = parse.chunks[unit[0]]
    return parse.tokens.words[chunk.head]


def _anaphoric(parse: Parse, index: int) -> bool:
    """ "De ces 25 décès", "of these 25 cases": an amount stated before, not a new one."""
    return parse.low(index - 1) in _DEMONSTRATIVES


def _figure(
    parse: Parse, index: int, a: Amount, unit: Span | None, earlier: list[str]
) -> FigureHit | None:
    lang = parse.tokens.lang
    if _is_year(a) or _word_of_a_group(parse, index, a) or _described(parse, index, a):
        return None
    if a.is_word and _name_follows(parse, index):
        return None  # "the Five Eyes", "Six Nations": a number word in a name
    if unit and _time_unit(parse, unit, lang) and not _deadline(parse, index, unit):
        return None
    if unit and _unit_head(parse, unit) in words(lang, "file_units") | words(lang, "not_units"):
        return None
    if unit:
        subject = _counted(parse, index, unit, lang)
    elif a.currency or a.percent:
        subject = _of_measure(parse, index) or _money_phrase(parse, index)
        subject = subject or _measured(parse, index, lang)
    else:
        subject = _measured(parse, index, lang) or _elided(parse, index, earlier)
    if not subject:
        return None
    return FigureHit(subject, _value(parse, a, unit), a.start)


def _value(parse: Parse, a: Amount, unit: Span | None) -> dict[str, Any]:
    value: dict[str, Any] = {
        "amount": a.amount,
        "qualifier": a.qualifier,
        "unit": phrase(parse, *unit) if unit else "",
    }
    if a.currency:
        value["currency"] = a.currency
    if a.percent:
        value["percent"] = True
    if a.amount_max is not None:
        value["amount_max"] = a.amount_max
    return value


def _name_follows(parse: Parse, index: int) -> bool:
    following_np = parse.kind(index + 1) == "NP"
    return following_np and parse.tokens.tags[parse.chunks[index + 1].start] == "PROPN"


def _is_year(a: Amount) -> bool:
    plain = a.raw.strip().isdigit()
    return plain and isinstance(a.amount, int) and 1800 <= a.amount <= 2100 and not a.currency


def _word_of_a_group(parse: Parse, index: int, a: Amount) -> bool:
    """ "one of the", "l'un des deux": a number word picking from a group, not a count."""
    return a.is_word and parse.low(index - 1) in ("of", "des", "of the")


def _described(parse: Parse, index: int, a: Amount) -> bool:
    """ "its two Optional Protocols", "ses deux protocoles": a number word after a determiner
    describes what it qualifies; it is not a count the page reports."""
    before = parse.chunks[index - 1] if index else None
    return a.is_word and before is not None and parse.tokens.tags[before.end - 1] == "DET"


def _unit_head(parse: Parse, unit: Span) -> str:
    return parse.tokens.lows[parse.chunks[unit[0]].head]


def _time_unit(parse: Parse, unit: Span, lang: str) -> bool:
    return _unit_head(parse, unit) in words(lang, "time_units")


def _deadline(parse: Parse, index: int, unit: Span) -> bool:
    """A duration that sets a limit: "within 6 months", "the 3 days before you travel"."""
    before = parse.low(index - 1).split()[-1:] or [""]
    if before[0] in _LIMIT_BEFORE or parse.low(unit[1]) in _LIMIT_AFTER:
        return True
    return bool(_limit_before(parse, index))


def _limit_before(parse: Parse, index: int) -> str:
    """The verb group and the limit words before an amount ("must report within"), or ""."""
    tokens = parse.tokens
    end = parse.chunks[index].start
    for entry in phrases(tokens.lang, "deadline_markers"):
        if entry in _CHANGE_NOT_LIMIT:
            continue
        start = end - len(entry)
        if start >= 0 and tuple(tokens.lows[start:end]) == entry:
            marker = tokens.slice(start, end)
            verb = parse.owner[start] - 1 if start else -1
            while parse.kind(verb) == "ADV":
                verb -= 1
            return (
                f"{phrase(parse, verb, verb + 1)} {marker}" if parse.kind(verb) == "VG" else marker
            )
    return ""


def _counted(parse: Parse, index: int, unit: Span, lang: str) -> str:
    """The counted noun and the phrase that runs on from it; or the measure or verb before it
    and the noun ("cumul de décès", "funded community projects")."""
    end = following(parse, unit[1])
    extended = phrase(parse, unit[0], end)
    noun = phrase(parse, *unit)
    limit = _limit_before(parse, index)
    if limit:  # "must report within six months of the end of the season"
        return f"{limit} {extended}"
    if end > unit[1] and extended != noun:
        return extended
    before = index - 1
    if parse.kind(before) in ("PREP", "PRON") and parse.low(before) in _OF:
        measure = parse.chunks[before - 1] if parse.kind(before - 1) == "NP" else None
        if measure and parse.tokens.lows[measure.head] in words(lang, "measure_nouns"):
            head = parse.tokens.words[measure.head]  # "a total of 149 cases", "un cumul de 539"
            return f"{head} {parse.tokens.words[parse.chunks[before].start]} {noun}"
    content_verb = parse.kind(before) == "VG" and not is_word_of(parse, before, lang, "copulas")
    if lang == "en" and content_verb:
        return f"{phrase(parse, before, before + 1)} {noun}"
    return noun


def _measured(parse: Parse, index: int, lang: str) -> str:
    """What an amount without a noun measures, from the phrase before it."""
    before = index - 1
    kind, low = parse.kind(before), parse.low(before)
    if kind in ("PREP", "PRON") and low in _TO:
        return _level_to(parse, index, before)
    if kind in ("PREP", "PRON") and low in _OF and parse.kind(before - 1) == "NP":
        return _measure_of(parse, before - 1)
    verb = _verb_before(parse, before)
    if kind in ("PREP", "PRON") and low in _BY and verb is not None:
        if is_word_of(parse, verb, lang, "copulas"):
            return _subject_of(parse, verb)  # "le nombre ... est de 112 189"
        return _with_verb(parse, verb)  # "a diminué de 5", "rose by 12%"
    verb = _verb_before(parse, index)
    if verb is None:
        obj = object_before(parse, index)  # "fine companies up to £18 million"
        return phrase(parse, obj[0] - 1, obj[1]) if obj else ""
    if is_word_of(parse, verb, lang, "copulas"):
        return _subject_of(parse, verb)
    return _with_verb(parse, verb)


def _verb_before(parse: Parse, index: int) -> int | None:
    """The verb group right before chunk ``index``, adverbs skipped ("s'élève maintenant")."""
    j = index - 1
    while parse.kind(j) == "ADV":
        j -= 1
    return j if parse.kind(j) == "VG" else None


def _of_measure(parse: Parse, index: int) -> str:
    """ "an increase of 30 per cent", "un budget de 28 millions": the noun before "of"."""
    before = index - 1
    of = parse.kind(before) in ("PREP", "PRON") and parse.low(before) in _OF
    return _measure_of(parse, before - 1) if of and parse.kind(before - 1) == "NP" else ""


def _level_to(parse: Parse, index: int, to: int) -> str:
    """ "bringing X to 148", "porte à 3 le nombre de ...", "s'élève à 77": X is measured."""
    verb = _verb_before(parse, to)
    after = noun_phrase_after(parse, index + 1)
    if after and verb is not None:
        return phrase(parse, *after)
    obj = object_before(parse, to)
    if obj:
        return phrase(parse, *obj)
    return _subject_of(parse, verb) if verb is not None else ""


def _measure_of(parse: Parse, noun: int) -> str:
    """ "un cumul de 539", "nombre total de personnes infectées de 112 189"."""
    return phrase(parse, np_start(parse, noun), noun + 1)


def _subject_of(parse: Parse, verb: int) -> str:
    span = clause_subject(parse, verb)
    return phrase(parse, *span) if span else ""


def _with_verb(parse: Parse, verb: int) -> str:
    """The clause's subject and the verb: "Children aged", "nombre d'hospitalisations a diminué"."""
    span = clause_subject(parse, verb)
    if span is None:
        return ""
    return f"{phrase(parse, *span)} {phrase(parse, verb, verb + 1)}"


def _money_phrase(parse: Parse, index: int) -> str:
    """A sum or a share without a noun: the verb before it and what it is for, after it
    ("has announced ... for new tools"); without such a phrase, "" (see :func:`_measured`)."""
    if parse.kind(index + 1) != "PREP" or parse.low(index + 1) in _OF:
        return ""
    end = following(parse, index + 1)
    after = phrase(parse, index + 1, end)
    verb = _verb_before(parse, index)
    if verb is None or not after:
        return after
    return f"{phrase(parse, verb, verb + 1)} {after}"


def _elided(parse: Parse, index: int, earlier: list[str]) -> str:
    """ "De ces 25 décès, 5 sont survenus ...": the noun of the amount before, and the clause."""
    if parse.kind(index + 1) != "VG":
        return ""
    end = following(parse, index + 1)
    clause = phrase(parse, index + 1, end)
    noun = next((n for n in reversed(earlier) if n), "")
    return f"{noun} {clause}" if noun and clause else ""
