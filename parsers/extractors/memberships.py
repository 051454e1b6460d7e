"""Memberships: who belongs to a group, alliance, list or set of agreements.

Constructions, each read from the shared sentence analysis (English and French):

* "The members of X are A, B and C", "Members include ...", "Les membres du groupe
  sont ...", "The Quad's members are ..." (the group named in the sentence, else by the
  sentence before or the section's heading);
* "X consists of / is composed of / comprises / brings together A, B and C", "X se
  compose de / regroupe / réunit ...";
* "X (A, B, C)": a name and its members in parentheses;
* "A is a member of X", "A joined X", "A est membre de X", "A a rejoint X";
* "A, B and C launched X": the parties to X;
* "... a trial in A, B, C or D": a list of known countries or organisations after a
  preposition belongs to the phrase before it;
* a lead-in ("The members of X are:", "Canada endorses the following agreements:") or
  a heading ("Members of X", "Countries on the travel corridor list") followed by a
  bulleted list of names.

Members are canonical names (countries, organisations, acronyms the page defines);
the group, the subject, is the page's own words for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from model.facts import Fact
from parsers.analysis import Analysed, Analysis
from parsers.chunks import Parse, extended_np, parse_sentence, phrase
from parsers.entities import (
    alias_table,
    canonical_name,
    is_group_name,
    is_known,
    name_key,
    strip_article,
)
from parsers.extractors.common import list_evidence, make_fact
from parsers.lexicon import phrases, words
from parsers.model import Block, Section
from parsers.names import COLLECTIVE_NOUNS
from parsers.registry import extractor
from parsers.syntax import clause_subject, name_np, np_start
from parsers.text import Sentence, split_sentences

_LIST_CONJ = frozenset({"and", "or", "et", "ou", "as well as", "along with", "ainsi que"})
_MEMBER_OF = frozenset({"member", "members", "membre", "membres"})
_ANCESTORS = frozenset({"of", "de", "d'", "du", "des"})
_POSSESSIVES = frozenset({"its", "their", "ses", "leurs", "sa", "son", "leur"})
_WITH = frozenset({"alongside", "together with", "along with", "joined by", "aux côtés de"})


@dataclass(frozen=True)
class Stated:
    """A membership one sentence states: the group's words, its members, where it starts.

    ``group`` is "" when the sentence leaves the group to its context ("Members include").
    """

    group: str
    members: tuple[str, ...]
    offset: int


@extractor("memberships", "membership")
def memberships(analysis: Analysis) -> Iterator[Fact]:
    """Group memberships stated in sentences and in bulleted lists under a lead-in or heading."""
    acronyms = analysis.acronyms
    for item in analysis.sentences:
        if not item.features.membership:
            continue
        parse = analysis.parse(item)
        found = analysis.once(("memberships", item.text), _stated, parse, acronyms)
        for stated in found:
            yield from _fact(analysis, item, stated)
    for s_index, section in enumerate(analysis.doc.sections):
        yield from _listed(section, s_index, analysis.doc.lang, acronyms)


def _fact(analysis: Analysis, item: Analysed, stated: Stated) -> Iterator[Fact]:
    sentence = item.sentence
    group, evidence = stated.group, None
    if not group:
        group, evidence = _context_group(sentence, analysis.doc.lang)
        if not group:
            return
    value = {"members": sorted(set(stated.members))}
    order = sentence.order(stated.offset)
    fact = make_fact(
        "membership", group, value, sentence, order, evidence=evidence, rule="memberships"
    )
    yield _with_group(fact, analysis.acronyms)


def _with_group(fact: Fact, acronyms: Mapping[str, str]) -> Fact:
    """Record the group's canonical name (``extra["group"]``): "the GPEV" and "the Global
    Partnership to End Violence" are one group, whose memberships are united."""
    fact.extra["group"] = canonical_name(fact.subject, acronyms)
    return fact


def _stated(parse: Parse, acronyms: Mapping[str, str]) -> tuple[Stated, ...]:
    found: list[Stated] = []
    taken: set[int] = set()
    for finder in (_members_are, _composed_of, _parenthetical, _member_of, _parties, _after_prep):
        for stated, span in finder(parse, acronyms):
            if not taken & set(range(*span)):
                found.append(stated)
                taken |= set(range(*span))
    return tuple(found)


# -- lists of names -------------------------------------------------------------------


def name_list(
    parse: Parse, start: int, acronyms: Mapping[str, str], *, bare: bool = False
) -> tuple[list[str], int]:
    """The names listed from chunk ``start`` ("A, B, and the C (CC) or D") as canonical
    names, and the chunk where the list ends; ``bare``: the list must end the clause."""
    spans: list[tuple[int, int]] = []
    j, n = start, len(parse.chunks)
    tokens = parse.tokens
    while True:
        j += _repeated_de(parse, j)
        if not (j < n and parse.kind(j) == "NP" and _capitalised(parse, j)):
            break
        first, end = name_np(parse, j)
        spans.append(
            (tokens.starts[parse.chunks[first].start], tokens.ends[parse.chunks[end - 1].end - 1])
        )
        j = _skip_gloss(parse, end)
        sep = _separator(parse, j)
        if not sep:
            break
        j += sep
    if bare and parse.kind(j) not in ("", "PUNCT", "SUB"):
        return [], start
    text = tokens.text
    raw = [text[a:b] for a, b in spans]
    seps = [text[spans[i][1] : spans[i + 1][0]] for i in range(len(spans) - 1)]
    return _merge_known(raw, seps, acronyms), j


def _repeated_de(parse: Parse, index: int) -> int:
    """French lists repeat "de" before each name: "du Canada, du Danemark et de la Norvège"."""
    french = parse.tokens.lang == "fr" and parse.kind(index) == "PREP"
    return 1 if french and parse.low(index) in _ANCESTORS and parse.kind(index + 1) == "NP" else 0


def _capitalised(parse: Parse, index: int) -> bool:
    tokens, chunk = parse.tokens, parse.chunks[index]
    for t in range(chunk.start, chunk.end):
        if tokens.tags[t] != "DET":
            return tokens.words[t][:1].isupper() or tokens.words[t][:1].isdigit()
    return False


def _skip_gloss(parse: Parse, index: int) -> int:
    """After a name, a parenthesis that glosses it: "(UAE)", "(including the Azores)"."""
    if parse.low(index) != "(":
        return index
    j = index + 1
    while j < len(parse.chunks) and parse.low(j) != ")":
        if parse.low(j) in (".", ";"):
            return index
        j += 1
    return j + 1 if j < len(parse.chunks) else index


def _separator(parse: Parse, index: int) -> int:
    """How many chunks separate two names: ",", "and", ", and", "as well as" (0: none)."""
    count = 0
    if parse.low(index) == ",":
        count = 1
    for size in (3, 2, 1):
        words_ = " ".join(parse.low(index + count + k) for k in range(size))
        if words_ in _LIST_CONJ:
            count += size
            break
    count += _repeated_de(parse, index + count) if count else 0
    return count if count and parse.kind(index + count) == "NP" else 0


def _merge_known(raw: list[str], seps: list[str], acronyms: Mapping[str, str]) -> list[str]:
    """Canonical names; pieces joined back when together they are one known name
    ("Antigua and Barbuda", "St Helena, Ascension and Tristan da Cunha")."""
    out, i = [], 0
    heads = _joined_name_heads()
    while i < len(raw):
        size = 1
        if name_key(raw[i]) in heads:
            for k in range(min(4, len(raw) - i), 1, -1):
                joined = raw[i] + "".join(f"{seps[i + m]}{raw[i + m + 1]}" for m in range(k - 1))
                if is_known(joined):
                    size = k
                    break
        text = raw[i] + "".join(f"{seps[i + m]}{raw[i + m + 1]}" for m in range(size - 1))
        out.append(canonical_name(text, acronyms))
        i += size
    return out


@cache
def _joined_name_heads() -> frozenset[str]:
    """The first piece of every known name that holds a list separator ("antigua")."""
    pieces = (re.split(r",\s*|\s+(?:and|et|&)\s+", key, maxsplit=1) for key in alias_table())
    return frozenset(p[0] for p in pieces if len(p) == 2)


def split_names(text: str, acronyms: Mapping[str, str], lang: str = "en") -> list[str]:
    """Canonical names of a list "A, B, and the C"; empty when it is not a list of names."""
    parse = parse_sentence(text.strip().rstrip("."), lang)
    names, end = name_list(parse, 0, acronyms)
    return names if names and end >= len(parse.chunks) else []


def _a_list(names: Sequence[str], least: int = 2) -> bool:
    return len(names) >= least and any(is_known(n) for n in names)


# -- constructions --------------------------------------------------------------------

Found = Iterator[tuple[Stated, tuple[int, int]]]


def _members_are(parse: Parse, acronyms: Mapping[str, str]) -> Found:
    """ "The members of X are A, B and C", "Members include ...", "Les membres du G7 sont"."""
    lang = parse.tokens.lang
    for k, chunk in enumerate(parse.chunks):
        if chunk.kind != "NP" or not _member_noun(parse, k, lang):
            continue
        group, verb = _group_of_members(parse, k)
        if parse.kind(verb) != "VG" or not _membership_verb(parse, verb):
            continue
        start = verb + 1 + (parse.low(verb + 1) == ":")
        names, end = name_list(parse, start, acronyms)
        if _a_list(names, 1):
            yield Stated(group, tuple(names), parse.tokens.starts[chunk.start]), (k, end)


def _member_noun(parse: Parse, index: int, lang: str) -> bool:
    head = parse.tokens.lows[parse.chunks[index].head]
    return head in words(lang, "member_nouns")


def _group_of_members(parse: Parse, index: int) -> tuple[str, int]:
    """The group of "members of X", "X's members", "G7 members" ("" when not named here)
    and the chunk after the phrase."""
    if parse.low(index + 1) in _ANCESTORS and parse.kind(index + 2) == "NP":
        end = name_np(parse, index + 2)[1]
        while parse.kind(end) in ("PREP", "NP") and parse.kind(end + 1) in ("NP", "VG", ""):
            end += 1  # "du Groupe de travail sur la coopération arctique | sont"
        return _group_words(parse, index + 2, end), end
    tokens, chunk = parse.tokens, parse.chunks[index]
    before = [t for t in range(chunk.start, chunk.head) if tokens.tags[t] != "DET"]
    if before and tokens.lows[before[0]] not in _POSSESSIVES:
        name = tokens.slice(before[0], chunk.head)
        return re.sub(r"['’]s$", "", name), index + 1
    return "", index + 1


def _group_words(parse: Parse, first: int, end: int) -> str:
    return strip_article(phrase(parse, first, end))


def _membership_verb(parse: Parse, verb: int) -> bool:
    text = parse.low(verb).replace("’", "'")
    return text in words(parse.tokens.lang, "membership_verbs")


def _composed_of(parse: Parse, acronyms: Mapping[str, str]) -> Found:
    """ "X consists of A, B and C", "X is composed of", "X regroupe", "X se compose de"."""
    lang = parse.tokens.lang
    for k, chunk in enumerate(parse.chunks):
        if chunk.kind != "VG":
            continue
        size = _verb_phrase_size(parse, k, lang)
        if not size:
            continue
        subject = clause_subject(parse, k)
        if subject is None or _member_noun(parse, subject[1] - 1, lang):
            continue
        names, end = name_list(parse, k + size, acronyms)
        if _a_list(names) and all(_plausible(n) for n in names):
            group = _group_words(parse, *subject)
            offset = parse.tokens.starts[parse.chunks[subject[0]].start]
            yield Stated(group, tuple(names), offset), (subject[0], end)


def _verb_phrase_size(parse: Parse, verb: int, lang: str) -> int:
    """How many chunks from ``verb`` make a membership verb ("is composed | of" -> 2), or 0."""
    chunk = parse.chunks[verb]
    for entry in _entries_in(parse, chunk.start, chunk.end, "membership_verbs"):
        if entry[0] in _BARE_COPULAS:
            continue  # "X are A, B" says nothing of membership without "members"
        stop = _entry_at(parse, chunk.start, chunk.end, entry)
        if stop and stop - 1 >= chunk.head:
            return parse.owner[stop - 1] + 1 - verb
    return 0


def _entries_in(parse: Parse, first: int, last: int, name: str) -> list[tuple[str, ...]]:
    """The entries of a word list that start with one of the tokens ``first:last``."""
    index = _first_words(parse.tokens.lang, name)
    found: list[tuple[str, ...]] = []
    for low in parse.tokens.lows[first:last]:
        found += index.get(low, ())
    return sorted(found, key=len, reverse=True)


@cache
def _first_words(lang: str, name: str) -> dict[str, tuple[tuple[str, ...], ...]]:
    out: dict[str, list[tuple[str, ...]]] = {}
    for entry in phrases(lang, name):
        out.setdefault(entry[0], []).append(entry)
    return {k: tuple(v) for k, v in out.items()}


def _entry_at(parse: Parse, first: int, last: int, entry: tuple[str, ...]) -> int:
    """The token after ``entry`` when it starts at a token of ``first:last`` (else 0); a
    final "de" also matches "du", "des" ("se compose du Canada")."""
    lows = parse.tokens.lows
    for t in range(first, last):
        stop = t + len(entry)
        found = lows[t:stop]
        if tuple(found) == entry:
            return stop
        if entry[-1] == "de" and found[:-1] == entry[:-1] and found[-1:] in (("du",), ("des",)):
            return stop - 1
    return 0


_BARE_COPULAS = frozenset({"are", "were", "sont", "étaient"})


def _plausible(name: str) -> bool:
    return len(name.split()) <= 12


def _parenthetical(parse: Parse, acronyms: Mapping[str, str]) -> Found:
    """ "the Five Country Ministerial (Australia, Canada, New Zealand, ...)"."""
    for k, chunk in enumerate(parse.chunks):
        if chunk.kind != "NP" or parse.low(k + 1) != "(":
            continue
        names, end = name_list(parse, k + 2, acronyms)
        if parse.low(end) != ")" or not _a_list(names):
            continue
        first = np_start(parse, k)
        group = _name_of(parse, first)
        if group:
            offset = parse.tokens.starts[parse.chunks[first].start]
            yield Stated(group, tuple(names), offset), (first, end + 1)


def _name_of(parse: Parse, index: int) -> str:
    """The proper name a noun phrase holds, without its article and descriptive words."""
    tokens, chunk = parse.tokens, parse.chunks[index]
    proper = [t for t in range(chunk.start, chunk.end) if tokens.tags[t] == "PROPN"]
    if not proper or tokens.tags[chunk.head] != "PROPN":
        return ""
    start = proper[0]
    end = name_np(parse, index)[1]
    name = tokens.text[tokens.starts[start] : tokens.ends[parse.chunks[end - 1].end - 1]]
    return strip_article(name)


def _member_of(parse: Parse, acronyms: Mapping[str, str]) -> Found:
    """ "Canada is a member of X", "Canada joined X", "Le Canada a rejoint X"."""
    lang = parse.tokens.lang
    for k, chunk in enumerate(parse.chunks):
        if chunk.kind != "VG":
            continue
        target = _join_target(parse, k, lang)
        if target is None:
            continue
        subject = clause_subject(parse, k)
        group = _name_of(parse, target)
        if subject is None or not group or not _capitalised(parse, subject[0]):
            continue
        member = canonical_name(phrase(parse, *subject), acronyms)
        if member != canonical_name(group, acronyms) and _plausible(member):
            offset = parse.tokens.starts[parse.chunks[subject[0]].start]
            yield Stated(group, (member,), offset), (subject[0], name_np(parse, target)[1])


def _join_target(parse: Parse, verb: int, lang: str) -> int | None:
    """The chunk of the group a verb makes its subject a member of, or None."""
    chunk = parse.chunks[verb]
    for entry in _entries_in(parse, chunk.start, chunk.end, "join_verbs"):
        stop = _entry_at(parse, chunk.start, chunk.end, entry)
        if stop and stop - 1 >= chunk.head and stop < len(parse.tokens):
            target = parse.owner[stop]
            return target if parse.kind(target) == "NP" else None
    nxt = verb + 1
    while parse.kind(nxt) == "ADV":
        nxt += 1
    member = parse.kind(nxt) == "NP" and parse.tokens.lows[parse.chunks[nxt].head] in _MEMBER_OF
    if member and parse.low(nxt + 1) in _ANCESTORS and parse.kind(nxt + 2) == "NP":
        return nxt + 2
    if member and parse.kind(nxt + 1) == "NP" and _contracted_de(parse, nxt + 1):
        return nxt + 1
    return None


def _contracted_de(parse: Parse, index: int) -> bool:
    return parse.tokens.lows[parse.chunks[index].start] in ("des", "du")


def _parties(parse: Parse, acronyms: Mapping[str, str]) -> Found:
    """ "Australia, Canada and the UK launched the Voluntary Principles", "Canada, alongside
    Australia, issued a statement": the parties to what the verb's object names."""
    start = _clause_start(parse)
    opening = _with_size(parse, 0)
    if opening:  # "Together with Australia and the UK, Canada launched ..."
        names, end = name_list(parse, opening, acronyms)
        if names and parse.low(end) == ",":
            more, end = name_list(parse, end + 1, acronyms)
            names += more
    else:
        names, end = name_list(parse, start, acronyms)
    while names:
        j = end + (parse.low(end) == ",")
        size = _with_size(parse, j)
        if not size:
            end = j
            break
        more, end = name_list(parse, j + size, acronyms)
        names += more
    if parse.kind(end) != "VG" or not _a_list(names) or _passive_or_future(parse, end):
        return
    if parse.kind(end + 1) != "NP":
        return
    stop = name_np(parse, end + 1)[1]
    group = phrase(parse, end, stop)
    offset = parse.tokens.starts[parse.chunks[start].start]
    yield Stated(group, tuple(names), offset), (start, stop)


def _with_size(parse: Parse, index: int) -> int:
    """How many chunks make "alongside", "together with", "joined by" at ``index`` (0: none)."""
    for size in (2, 1):
        if " ".join(parse.low(index + k) for k in range(size)) in _WITH:
            return size
    return 0


def _clause_start(parse: Parse) -> int:
    """The first chunk after an opening adverbial ("In March 2020, ...")."""
    if parse.kind(0) not in ("PREP", "ADV", "DATE", "SUB", "TIME"):
        return 0
    for k in range(min(len(parse.chunks), 8)):
        if parse.low(k) == ",":
            return k + 1 if parse.kind(k + 1) == "NP" and k < 6 else 0
        if parse.kind(k) in ("VG", "AMT"):
            return 0
    return 0


def _passive_or_future(parse: Parse, verb: int) -> bool:
    """ "were added", "will move": a change announced or undergone, not an act of the parties."""
    chunk = parse.chunks[verb]
    lows = parse.tokens.lows
    return any(lows[t] in _NOT_ACTS for t in range(chunk.start, chunk.end))


_NOT_ACTS = frozenset(
    {"is", "are", "was", "were", "be", "been", "will", "would", "shall", "may", "might"}
    | {"can", "could", "must", "should", "est", "sont", "été", "sera", "seront", "va", "vont"}
)


def _after_prep(parse: Parse, acronyms: Mapping[str, str]) -> Found:
    """ "a vaccine trial in the UK, Australia, Canada or the USA": every name known."""
    for k, chunk in enumerate(parse.chunks):
        if chunk.kind != "PREP" or parse.kind(k - 1) != "NP" or parse.kind(k + 1) != "NP":
            continue
        if not _capitalised(parse, k + 1) or not _separator(parse, name_np(parse, k + 1)[1]):
            continue
        names, end = name_list(parse, k + 1, acronyms)
        if len(names) < 2 or not all(is_known(n) for n in names):
            continue
        head = _np_before(parse, k - 1)
        group = f"{phrase(parse, head, k)} {parse.tokens.words[chunk.start]}"
        yield Stated(group, tuple(names), parse.tokens.starts[chunk.start]), (head, end)


def _np_before(parse: Parse, index: int) -> int:
    return np_start(parse, index)


# -- context: the group named before ----------------------------------------------------


def _context_group(sentence: Sentence, lang: str) -> tuple[str, str]:
    """The group of "Members include ...": the section's heading when it names a group,
    else a group named earlier in the block, else the heading; the evidence shows it."""

    heading = strip_article(sentence.section.heading)
    if heading and is_group_name(heading):
        return heading, f"{heading}: {sentence.text}"
    earlier = split_sentences(sentence.block.text)[: sentence.index]
    for back, previous in enumerate(reversed(earlier)):
        group = _group_named_in(previous, lang)
        if group:
            context = " ".join(earlier[len(earlier) - back - 1 :])
            return group, f"{context} {sentence.text}"
    if heading:
        return heading, f"{heading}: {sentence.text}"
    return "", ""


def _group_named_in(text: str, lang: str) -> str:

    parse = parse_sentence(text, lang)
    for k, chunk in enumerate(parse.chunks):
        if chunk.kind == "NP":
            name = _name_of(parse, k)
            if name and is_group_name(name):
                return name
    return ""


# -- bulleted lists ---------------------------------------------------------------------


def _listed(
    section: Section, s_index: int, lang: str, acronyms: Mapping[str, str]
) -> Iterator[Fact]:
    """A lead-in paragraph or the heading, then a bulleted list of names."""
    blocks = section.blocks
    used: set[int] = set()
    for i, block in enumerate(blocks[:-1]):
        if block.kind != "paragraph" or not block.text.rstrip().endswith(":"):
            continue
        items = _items_after(blocks, i + 1)
        group = lead_in_group(block.text, lang) if len(items) >= 2 else ""
        fact = _list_fact(section, s_index, i, group, items, acronyms) if group else None
        if fact is not None:
            used.add(items[0].group)
            yield fact
    yield from _heading_list(section, s_index, lang, acronyms, used)


def _list_fact(
    section: Section,
    s_index: int,
    i: int,
    group: str,
    items: list[Block],
    acronyms: Mapping[str, str],
    lead: str | None = None,
) -> Fact | None:
    names = [canonical_name(_gloss_free(b.text), acronyms) for b in items]
    if not all(_looks_like_name(n) for n in names):
        return None
    block = section.blocks[i] if i >= 0 else items[0]
    where = Sentence(block.text, section, block, max(i, 0), 0, s_index)
    lead_text = lead if lead is not None else split_sentences(block.text)[-1]
    evidence = list_evidence(lead_text, [b.text for b in items])
    order = where.order(len(block.text) if i >= 0 else 0)
    value = {"members": sorted(set(names))}
    fact = make_fact(
        "membership", group, value, where, order, evidence=evidence, rule="memberships"
    )
    return _with_group(fact, acronyms)


def _heading_list(
    section: Section, s_index: int, lang: str, acronyms: Mapping[str, str], used: set[int]
) -> Iterator[Fact]:
    """ "Members of X" or "Countries on the travel corridor list", then a list of names."""
    first = next((b for b in section.blocks if b.kind == "item"), None)
    if first is None or first.group in used:
        return
    group = heading_group(section.heading, lang)
    if not group:
        return
    items = [b for b in section.blocks if b.kind == "item" and b.group == first.group]
    names = [canonical_name(_gloss_free(b.text), acronyms) for b in items]
    known = sum(is_known(n) for n in names)
    if len(items) >= 2 and known * 2 >= len(items):
        lead = f"{section.heading}:"
        fact = _list_fact(section, s_index, -1, group, items, acronyms, lead=lead)
        if fact is not None:
            yield fact


def _items_after(blocks: Sequence[Block], start: int) -> list[Block]:
    first = blocks[start]
    if first.kind != "item":
        return []
    return [b for b in blocks[start:] if b.kind == "item" and b.group == first.group]


def _gloss_free(text: str) -> str:
    return re.sub(r"\s*\([^()]*\)\s*$", "", text.strip().rstrip(".;,"))


def _looks_like_name(name: str) -> bool:
    words_ = name.split()
    return bool(words_) and len(words_) <= 16 and (name[0].isupper() or name[0].isdigit())


def lead_in_group(text: str, lang: str) -> str:
    """The group a lead-in names ("The members of X are:" -> X; "Canada endorses a number
    of international agreements, including:" -> its noun phrase), or ""."""
    sentence = split_sentences(text)[-1] if text else ""
    parse = parse_sentence(sentence.rstrip(" :"), lang)
    for k, chunk in enumerate(parse.chunks):
        if chunk.kind == "NP" and _member_noun(parse, k, lang):
            group, _ = _group_of_members(parse, k)
            if group:
                return group
    return _collective_phrase(parse)


def heading_group(heading: str, lang: str) -> str:
    """A heading that names a set: "Members of X" -> X; "Countries on the ... list"."""
    if not heading:
        return ""
    parse = parse_sentence(heading, lang)
    if parse.kind(0) == "NP" and _member_noun(parse, 0, lang):
        group, _ = _group_of_members(parse, 0)
        if group:
            return group
    return heading if _collective_phrase(parse) else ""


def _collective_phrase(parse: Parse) -> str:
    """The noun phrase around a collective noun, with its complements: "international
    agreements", "countries and territories"; when it is a verb's object, from the verb's
    subject on ("Government of Canada endorses a number of international agreements")."""
    for k, chunk in enumerate(parse.chunks):
        if chunk.kind == "NP" and parse.tokens.lows[chunk.head] in COLLECTIVE_NOUNS:
            first, end = extended_np(parse, np_start(parse, k))
            end = max(end, extended_np(parse, k)[1])
            verb = first - 1
            if parse.kind(verb) == "VG":
                subject = clause_subject(parse, verb)
                if subject is not None:
                    return phrase(parse, subject[0], end)
            return phrase(parse, first, end)
    return ""
