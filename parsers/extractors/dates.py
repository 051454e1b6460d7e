"""Dates and what happened on them, from the verb a date belongs to.

For each date of a sentence (a day, a month, a year, a range; a day without a
year is ``--MM-DD``, or takes its year from the page's own date, recorded as
inferred), the subject is, in this order:

1. a label before it: "Published 4 October 2021", "Last updated", "Mise à jour le";
2. the event noun it opens: "the 2022 yearly meeting was held in Eltville am Rhein";
3. the verb group it belongs to, with the verb's object or the clause's subject:
   "launched the Voluntary Principles", "summit was held", "Canada joined Global
   Taskforce"; a limit before the date stays in the subject: "must be submitted by",
   "details until", "fermeture ... jusqu'au";
4. otherwise its context: the short label in the block before it, or its section's
   heading (the evidence then shows that context before the date).

A subject is always words of the evidence, in order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import date as Date
from typing import Any

from model.facts import Fact
from parsers.analysis import Analysed, Analysis
from parsers.chunks import Parse, extended_np, phrase
from parsers.dates import DateMatch, find_dates
from parsers.extractors.common import make_fact, sentence_evidence
from parsers.lexicon import phrases
from parsers.model import Block
from parsers.registry import extractor
from parsers.spans import masked
from parsers.syntax import clause_subject, following, name_np, np_start, skip_parenthesis
from parsers.text import split_sentences

_BOUNDARY = frozenset({";", ":", "(", ")", "|", "—", "–"})
_BE = frozenset(
    {"is", "are", "was", "were", "be", "been", "being", "est", "sont", "était", "été", "sera"}
)
_LABEL_WORDS = 4
_ACTOR_WORDS = 4


@extractor("dates", "date")
def dates(analysis: Analysis) -> Iterator[Fact]:
    """Every dated statement, with the event it dates as subject."""
    for item in analysis.sentences:
        if not item.features.date or not find_dates(item.text):
            continue
        parse = analysis.parse(item)
        for subject, match in analysis.once(("dates", item.text), _dated, parse):
            evidence = None
            if not subject:
                subject, evidence = _context(analysis, item)
            value = _value(match, analysis.doc.modified)
            order = item.sentence.order(match.start)
            yield make_fact(
                "date", subject, value, item.sentence, order, evidence=evidence, rule="dates"
            )


def _dated(parse: Parse) -> tuple[tuple[str, DateMatch], ...]:
    """Each date of a sentence with the event it dates ("" when the sentence does not say)."""
    out = []
    for match in parse.dates:
        index = parse.chunk_at(max(match.start, match.end - 1))
        if parse.kind(index) == "DATE":
            out.append((date_subject(parse, index), match))
    return tuple(out)


def _value(match: DateMatch, page_date: str | None) -> dict[str, Any]:
    value: dict[str, Any] = {"date": match.iso}
    if match.iso_end:
        value["date_end"] = match.iso_end
    if match.iso.startswith("--") and page_date:
        year = infer_year(match.iso, page_date)
        if year:
            value["date"] = f"{year}{match.iso[1:]}"
            if match.iso_end:
                end_year = year + (match.iso_end < match.iso)
                value["date_end"] = f"{end_year}{match.iso_end[1:]}"
            value["inferred"] = "year"
    return value


def infer_year(day: str, page_date: str) -> int | None:
    """The year of ``--MM-DD`` on a page dated ``page_date``: the occurrence from three months
    before the page's date to nine months after it (official pages mostly announce what is
    coming: a deadline, a meeting, a closing date)."""
    try:
        anchor = Date.fromisoformat(page_date[:10])
        month, dom = int(day[2:4]), int(day[5:7])
    except ValueError:
        return None
    for year in (anchor.year - 1, anchor.year, anchor.year + 1):
        try:
            offset = (Date(year, month, dom) - anchor).days
        except ValueError:
            continue  # 29 February of a year that has none
        if _BEFORE <= offset < _AFTER:
            return year
    return None


_BEFORE, _AFTER = -91, 274


def date_subject(parse: Parse, index: int) -> str:
    """What the date at chunk ``index`` dates, in the sentence's own words ("" if nothing)."""
    label = _label(parse, index)
    if label:
        return label
    event = _event(parse, index)
    if event:
        return event
    verb = _governing_verb(parse, index)
    marker = _deadline_marker(parse, index)
    subject = _verb_phrase(parse, verb) if verb is not None else _named_event(parse, index)
    if subject and marker:  # in the sentence's order
        return f"{marker} {subject}" if verb is not None and verb > index else f"{subject} {marker}"
    return subject


def _named_event(parse: Parse, index: int) -> str:
    """A date in a sentence without a verb: the noun phrase it dates, right before it
    ("Salon du Livre le 8 mars"), or the title after it ("Lundi 9 mars : point de situation")."""
    before = index - 1
    while parse.kind(before) in ("PRON", "PREP") and before > 0:
        before -= 1  # "le", "on", "du"
    if parse.kind(before) == "NP" and parse.kind(before + 1) != "PUNCT":
        return phrase(parse, np_start(parse, before), before + 1)
    if index > 0 and parse.kind(0) == "NP":  # "Appearance of the Minister ..., November 21"
        return phrase(parse, *extended_np(parse, 0))
    after = index + 1
    if parse.low(after) == ":" and parse.kind(after + 1) == "NP":
        return phrase(parse, *extended_np(parse, after + 1))
    return ""


def _label(parse: Parse, index: int) -> str:
    """ "Published 4 October 2021", "Last updated 14 December 2021", "Mise à jour le 9 mars":
    a few words opening the sentence (or following another date), without a verb of a clause."""
    start = index
    while start > 0 and parse.kind(start - 1) not in ("DATE", "TIME"):
        start -= 1
    tokens = parse.tokens
    first, last = parse.chunks[start].start if start < index else 0, parse.chunks[index].start
    words = [t for t in range(first, last) if tokens.tags[t] != "PUNCT"]
    if not words or len(words) > _LABEL_WORDS:
        return ""
    inner = words[:-1] if tokens.tags[words[-1]] == "DET" else words
    if any(tokens.tags[t] in ("AUX", "VERB", "DET", "PRON", "NUM", "SUB", "CONJ") for t in inner):
        return ""
    if all(tokens.tags[t] == "PROPN" for t in inner):
        return ""  # "Wellington, New Zealand, June 28, 2023": a place, not a label
    return phrase(parse, start, index)


def _event(parse: Parse, index: int) -> str:
    """ "the 2022 yearly meeting was held in ...", "la réunion annuelle de 2022 tenue à ...":
    the event the date qualifies, and what the sentence says of it."""
    after, tags = index + 1, parse.tokens.tags
    opens = index == 0 or tags[parse.chunks[index - 1].end - 1] == "DET"
    year = parse.chunks[index].end - parse.chunks[index].start == 1
    if opens and year and parse.kind(after) == "NP" and tags[parse.chunks[after].start] != "DET":
        return phrase(parse, after, following(parse, after))
    of = index - 1
    event_of = parse.kind(of) == "PREP" and parse.low(of) == "de" and parse.kind(of - 1) == "NP"
    if event_of and parse.kind(after) == "VG" and not _finite_alone(parse, after):
        end = following(parse, after)  # "la réunion annuelle de 2022 tenue à ..."
        return f"{phrase(parse, of - 1, of)} {phrase(parse, after, end)}"
    return ""


def _finite_alone(parse: Parse, index: int) -> bool:
    tags = parse.tokens.tags
    chunk = parse.chunks[index]
    return any(tags[t] in ("AUX", "VERB") for t in range(chunk.start, chunk.end))


def _governing_verb(parse: Parse, index: int) -> int | None:
    """The verb group a date belongs to: the nearest before it in its clause, or after it
    when the date opens the sentence ("In March 2020, ministers launched ...")."""
    before = _nearest_verb(parse, index, -1)
    after = _nearest_verb(parse, index, 1)
    opening = all(parse.kind(k) in _OPENING for k in range(index))
    if after is not None and (before is None or opening):
        return after
    return before if before is not None else after


_OPENING = frozenset({"PREP", "PRON", "ADV", "TIME", "DATE", "PUNCT"})


def _nearest_verb(parse: Parse, index: int, step: int) -> int | None:
    j = index + step
    while 0 <= j < len(parse.chunks):
        kind = parse.kind(j)
        if kind == "CONJ" and parse.low(j - 1) == "," and step < 0:
            return None  # ", and in 2022 we provided ...": another clause
        if parse.low(j) == ("(" if step > 0 else ")"):
            j = skip_parenthesis(parse, j, step) + step
            continue
        if kind == "PUNCT" and parse.low(j) in _BOUNDARY:
            return None
        if kind == "VG":
            return j
        j += step
    return None


def _verb_phrase(parse: Parse, verb: int) -> str:
    """The verb group with its object ("announced the funding"), or with its subject when
    it has none or is passive ("summit was held"); a short named subject is kept ("Canada
    joined Global Taskforce on Child Sexual Abuse Online")."""
    obj = _object(parse, verb)
    actor = clause_subject(parse, verb)
    actor_words = phrase(parse, *actor) if actor else ""
    if obj and not _passive(parse, verb):
        named = actor is not None and (_named(parse, actor) or _bare_object(parse, verb))
        return " ".join(w for w in (actor_words if named else "", obj) if w)
    verb_words = phrase(parse, verb, verb + 1)
    return " ".join(w for w in (actor_words, verb_words) if w) or obj


def _object(parse: Parse, verb: int) -> str:
    """The verb group and its object: a noun phrase (an English name without its article
    and descriptive words), or a preposition and one; for an amount, the noun it counts
    ("made ... reports"). "" when the verb has no object."""
    at = verb + 1
    while parse.kind(at) == "ADV":
        at += 1
    verb_words = phrase(parse, verb, verb + 1)
    if parse.kind(at) == "AMT" and parse.tokens.lang != "fr":
        of = parse.kind(at + 1) == "PREP" and parse.low(at + 1) == "of"
        at += 2 if of and parse.kind(at + 2) == "NP" else 1
        if parse.kind(at) == "NP":
            return f"{verb_words} {phrase(parse, at, at + 1)}"  # "made ... reports"
        if parse.kind(at) == "PREP" and parse.kind(at + 1) == "NP":  # "provided ... to X"
            return f"{verb_words} {phrase(parse, at, extended_np(parse, at + 1)[1])}"
        return ""
    if parse.kind(at) == "PREP" and parse.kind(at + 1) == "NP" and not _marker_at(parse, at):
        at += 1
    if parse.kind(at) != "NP":
        return ""
    name = _english_name(parse, at)
    if name:
        prep = f" {parse.tokens.words[parse.chunks[at - 1].start]}" if at > verb + 1 else ""
        return f"{verb_words}{prep} {name}"
    return phrase(parse, verb, extended_np(parse, at)[1])


def _bare_object(parse: Parse, verb: int) -> bool:
    """A noun without a determiner right after the verb makes one verb of the two ("aura
    lieu", "took effect", "entre en vigueur"): its subject is needed to say what happens."""
    at = verb + 1
    return parse.kind(at) == "NP" and parse.tokens.tags[parse.chunks[at].start] != "DET"


def _english_name(parse: Parse, index: int) -> str:
    """The name an English noun phrase holds, without "the" and descriptive words."""
    tokens, chunk = parse.tokens, parse.chunks[index]
    if tokens.lang == "fr" or tokens.tags[chunk.head] != "PROPN":
        return ""
    proper = next(t for t in range(chunk.start, chunk.end) if tokens.tags[t] == "PROPN")
    end = parse.chunks[name_np(parse, index)[1] - 1].end
    return tokens.text[tokens.starts[proper] : tokens.ends[end - 1]]


def _passive(parse: Parse, verb: int) -> bool:
    chunk = parse.chunks[verb]
    lows, tags = parse.tokens.lows, parse.tokens.tags
    return any(lows[t] in _BE for t in range(chunk.start, chunk.end)) and tags[chunk.head] == "PART"


def _named(parse: Parse, span: tuple[int, int]) -> bool:
    tokens = parse.tokens
    first, last = parse.chunks[span[0]].start, parse.chunks[span[1] - 1].end
    head = parse.chunks[span[1] - 1].head
    return tokens.tags[head] == "PROPN" and last - first <= _ACTOR_WORDS


def _deadline_marker(parse: Parse, index: int) -> str:
    """The words before a date that make it a limit ("by", "no later than", "jusqu'au")."""
    tokens = parse.tokens
    end = parse.chunks[index].start
    for entry in phrases(tokens.lang, "deadline_markers"):
        start = end - len(entry)
        if start >= 0 and tuple(tokens.lows[start:end]) == entry:
            return tokens.slice(start, end)
    return ""


def _marker_at(parse: Parse, index: int) -> bool:
    """The chunk is the (last word of a) limit right before a date."""
    return parse.kind(index + 1) == "DATE" and bool(_deadline_marker(parse, index + 1))


def _context(analysis: Analysis, item: Analysed) -> tuple[str, str]:
    """A date the sentence says nothing about: the short line paired with it ("Published"
    then "7 May 2021", a headline then its date, a change log's date then its entry), or
    its section's heading; the evidence shows that context with the date."""
    sentence = item.sentence
    evidence = sentence_evidence(sentence)
    blocks = sentence.section.blocks
    if sentence.index == 0:
        partner = _partner(blocks, sentence.block_index)
        if partner is not None:
            title = blocks[partner].text.rstrip()
            if partner < sentence.block_index:
                return title.rstrip(" :.?!"), f"{title} {evidence}"
            return title.rstrip(" :.?!"), f"{evidence} {title}"
    heading = sentence.section.heading or analysis.doc.title
    return heading, f"{heading}: {evidence}"


def _partner(blocks: Sequence[Block], index: int) -> int | None:
    """The line a date-only block pairs with, in a run of alternating lines and dates: the
    line after it when the run opens with a date (a change log), else the line before."""
    first = index
    while first > 0 and _same_run(blocks[first - 1], blocks[index]):
        first -= 1
    partner = index + 1 if _date_only(blocks[first].text) else index - 1
    if 0 <= partner < len(blocks) and _same_run(blocks[partner], blocks[index]):
        return partner if _is_title(blocks[partner].text) else None
    return None


def _same_run(block: Block, other: Block) -> bool:
    """Blocks of one list, or paragraphs side by side."""
    return block.kind == other.kind and block.group == other.group


def _date_only(text: str) -> bool:
    """A line that holds a date and nothing else but punctuation or a time of day."""
    dates = find_dates(text)
    if not dates:
        return False
    rest = text[: dates[0].start] + text[dates[0].end :]
    return not re.search(r"[^\W\d_]{3,}", masked(rest))


def _is_title(text: str) -> bool:
    """A short line of one sentence without a date: a label or a headline."""
    words = text.split()
    if not 0 < len(words) <= _TITLE_WORDS or len(split_sentences(text)) > 1:
        return False
    return not find_dates(text)


_TITLE_WORDS = 12
