"""Memberships: who belongs to a group, alliance or set of agreements."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence

from model.facts import Fact
from parsers.analysis import Analysis
from parsers.entities import canonical_name, is_group_name, is_known, strip_article
from parsers.extractors.common import list_evidence, make_fact
from parsers.model import Block, Section
from parsers.names import COLLECTIVE_NOUNS
from parsers.phrases import proper_runs, shorten
from parsers.registry import extractor
from parsers.text import Sentence, split_sentences

_SPLIT = re.compile(r"\s*[,;]\s*(?:and\s+|et\s+)?|\s+(?:and|et|ainsi que|as well as|along with)\s+")
_MEMBERS_INTRO = re.compile(
    r"(?i:\b(?:(?:its|their|the|current|ses|les|leurs)\s+)?(?:members|membres)\s+"
    r"(?:include|includes|are|comprise|consist of|sont|comprennent|incluent|comptent)\s*:?\s+)"
)
_COMPOSED = re.compile(
    r"\s+(?:is|are)\s+(?:composed of|made up of|comprised of)\s+|\s+(?:comprises|brings together)"
    r"\s+|\s+(?:est|sont)\s+(?:composée?s?|formée?s?|constituée?s?)\s+(?:de|d['’])\s*"
    r"|\s+(?:se compose de|regroupe|réunit)\s+"
)
_MEMBER_OF = re.compile(
    r"\s+(?:is|became|has become|was)\s+(?:also\s+|now\s+)?(?:a|an)\s+(?:\w+\s+)?member\s+of"
    r"\s+(?:the\s+)?"
    r"|\s+(?:has\s+)?(?:joined|acceded to)\s+(?:the\s+)?"
    r"|\s+(?:est|était|est devenu(?:e)?)\s+(?:un|une)?\s*(?:\w+\s+)?membre\s+(?:\w+\s+)?"
    r"(?:de la|de l['’]|du|des|de)\s*"
    r"|\s+(?:s['’]est joint(?:e)?|a adhéré|a rejoint|adhère)\s+(?:à la|à l['’]|au|aux|à)?\s*"
)
_REPRESENT = re.compile(
    r"^(?:the\s+)?(?:[a-z]+\s+){0,4}(?:representatives?|officials|ministers|leaders|heads of state)"
    r"\s+(?:of|from)\s+",
    re.I,
)
_LEAD_IN_END = re.compile(
    r"(?:,?\s*(?:including(?: but not limited to)?|such as|notably|including the following"
    r"|notamment|dont|comme|y compris|as follows|the following))?\s*:\s*$",
    re.I,
)
_QUANTIFIERS = re.compile(
    r"\b(?:a number of|several|many|various|a range of|the following|un certain nombre d['’]|"
    r"plusieurs|divers|diverses|de nombreux|de nombreuses)\s*",
    re.I,
)


Stated = tuple[str, list[str], int]


@extractor("memberships", "membership")
def memberships(analysis: Analysis) -> Iterator[Fact]:
    """Group memberships stated in sentences and in bulleted lists under a lead-in."""
    acronyms = analysis.acronyms
    for item in analysis.sentences:
        if not item.features.membership:
            continue
        sentence, lowered = item.sentence, item.features.lower
        found = [*_introduced(sentence, lowered, acronyms)]
        key = ("memberships", sentence.text)
        found += analysis.once(key, _stated, sentence.text, lowered, acronyms)
        for group, members, offset in found:
            value = {"members": sorted(set(members))}
            order = sentence.order(offset)
            yield make_fact("membership", group, value, sentence, order, rule="memberships")
    for s_index, section in enumerate(analysis.doc.sections):
        yield from _lead_in_lists(section, s_index, acronyms)


def members_in(sentence: Sentence, acronyms: Mapping[str, str]) -> Iterator[Stated]:
    """(group, members, offset) for each membership a sentence states."""
    lowered = sentence.text.lower()
    yield from _introduced(sentence, lowered, acronyms)
    yield from _stated(sentence.text, lowered, acronyms)


def _introduced(sentence: Sentence, lowered: str, acronyms: Mapping[str, str]) -> Iterator[Stated]:
    """ "Members include A, B and C": the group comes from the sentence or its context."""
    text = sentence.text
    intro = _MEMBERS_INTRO.search(text) if "membre" in lowered or "member" in lowered else None
    if intro:
        members = split_names(_until_end(text[intro.end() :]), acronyms)
        group = _group_for(sentence, text[: intro.start()], acronyms)
        if members and group:
            yield group, members, intro.start()


def _stated(text: str, lowered: str, acronyms: Mapping[str, str]) -> tuple[Stated, ...]:
    """The memberships the words of a sentence state by themselves (no context needed)."""
    return tuple(_stated_in(text, lowered, acronyms))


def _stated_in(text: str, lowered: str, acronyms: Mapping[str, str]) -> Iterator[Stated]:
    if any(hint in lowered for hint in _COMPOSED_HINTS):
        yield from _composed(text, acronyms)
    if "(" in text:
        yield from _parenthetical(text, acronyms)
    if any(hint in lowered for hint in _MEMBER_HINTS):
        yield from _member_of(text, acronyms)
    if "," in text or " and " in text or " et " in text:
        yield from _listed_actors(text, acronyms)


_COMPOSED_HINTS = (
    "compos",
    "made up",
    "comprise",
    "brings together",
    "formé",
    "constitué",
    "regroupe",
    "réunit",
)
_MEMBER_HINTS = ("member", "membre", "joined", "acceded", "joint", "adhér", "adhère", "rejoint")


def _until_end(text: str) -> str:
    pattern = r"\s+(?:to|in order to|who|which|that|afin de|qui)\s+|(?<![A-Z])[.;:]\s|[;:]\s|\.$"
    return re.split(pattern, text)[0]


def split_names(text: str, acronyms: Mapping[str, str]) -> list[str]:
    """Canonical names of a list "A, B, and the C"; empty when it is not a list of names."""
    names = []
    for raw in _SPLIT.split(text.strip().rstrip(".")):
        raw = _REPRESENT.sub("", raw.strip())
        if not raw:
            continue
        name = canonical_name(raw, acronyms)
        if not _looks_like_name(name):
            return []
        names.append(name)
    return names


def _looks_like_name(name: str) -> bool:
    words = name.split()
    return bool(words) and len(words) <= 16 and (name[0].isupper() or name[0].isdigit())


def _group_for(sentence: Sentence, head: str, acronyms: Mapping[str, str]) -> str:
    own = [r[2] for r in proper_runs(head) if is_group_name(r[2])]
    if own:
        return canonical_name(own[-1], acronyms)
    if is_group_name(sentence.section.heading):
        return canonical_name(sentence.section.heading, acronyms)
    earlier = split_sentences(sentence.block.text)[: sentence.index]
    for previous in reversed(earlier):
        runs = [r[2] for r in proper_runs(previous) if is_group_name(r[2])]
        if runs:
            return canonical_name(runs[0], acronyms)
    return canonical_name(sentence.section.heading, acronyms)


def _composed(text: str, acronyms: Mapping[str, str]) -> Iterator[tuple[str, list[str], int]]:
    for m in _COMPOSED.finditer(text):
        head = _GROUP_NOUN_TAIL.sub("", text[: m.start()])
        runs = proper_runs(head)
        if not runs or runs[-1][1] < len(head) - 1:
            continue
        members = split_names(_until_end(text[m.end() :]), acronyms)
        if len(members) >= 2 and any(is_known(x) for x in members):
            yield canonical_name(runs[-1][2], acronyms), members, m.start()


_GROUP_NOUN_TAIL = re.compile(
    r"(?:\s+[a-z]+)?\s+(?:alliance|group|partnership|coalition|network|forum|countries|partners)$"
)
_INTRO = re.compile(
    r"^(?:(?:In|On|Since|Today|Earlier today|En|Le|Aujourd['’]hui|Depuis)\b[^,]{0,40},\s*)?"
)
_LIST_VERB = re.compile(
    r"\s+(?:have\s+|has\s+|ont\s+|a\s+)?(?P<verb>[a-z]{3,}ed|lancé|signé|adopté|publié"
    r"|annoncé|créé|approuvé)\s+"
)
_WITH = re.compile(
    r",?\s+(?:alongside|together with|along with|joined by|aux côtés de|de concert avec"
    r"|en collaboration avec)\s+"
)


def _listed_actors(text: str, acronyms: Mapping[str, str]) -> Iterator[tuple[str, list[str], int]]:
    """ "A, B and C launched X" and "A, alongside B and C, issued X": the parties to X."""
    from parsers.extractors.dates import object_after

    start = _INTRO.match(text)
    offset = start.end() if start else 0
    if text.startswith(("Together with ", "Along with ", "Alongside ", "Avec ")):
        offset = text.index(" ", text.index(" ") + 1) + 1
    for m in _LIST_VERB.finditer(text, offset):
        head = _WITH.sub(", ", text[offset : m.start()].rstrip(" ,"))
        if "(" in head or ("," not in head and " and " not in head and " et " not in head):
            continue
        members = split_names(head, acronyms)
        if len(members) >= 2 and any(is_known(x) for x in members):
            obj = object_after(text[m.end() :], "fr" if m.group("verb")[-1] == "é" else "en")
            if obj:
                verb = m.group("verb")
                label = f"Parties qui ont {verb}" if verb.endswith("é") else f"Parties that {verb}"
                yield f"{label} {obj}", members, offset
        return


def _parenthetical(text: str, acronyms: Mapping[str, str]) -> Iterator[tuple[str, list[str], int]]:
    for m in re.finditer(r"\(([^()]{3,300})\)", text):
        members = split_names(m.group(1), acronyms)
        if len(members) < 2 or not any(is_known(x) for x in members):
            continue
        group = _name_before(text[: m.start()])
        if group:
            yield canonical_name(group, acronyms), members, m.start()


def _name_before(head: str) -> str:
    """The name that ends right before a parenthesis ("the Five Country Ministerial (")."""
    tokens = head.rstrip().split()[-8:]
    start = None
    for i in range(len(tokens) - 1, -1, -1):
        token = tokens[i]
        if token[-1:] in ",.;:":
            break
        bare = token.lstrip("lLdD'’") if token[:2].lower() in ("l'", "l’", "d'", "d’") else token
        if bare[:1].isupper():
            start = i
            before = tokens[i - 1].lower() if i else ""
            if before in _ARTICLE_WORDS or not before or before[-1:] in ",;:":
                break
    if start is None:
        return ""
    return strip_article(" ".join(tokens[start:]))


_ARTICLE_WORDS = frozenset(
    ["the", "le", "la", "les", "du", "des", "au", "aux", "of", "de", "by", "with", "and", "et"]
)


def _member_of(text: str, acronyms: Mapping[str, str]) -> Iterator[tuple[str, list[str], int]]:
    for m in _MEMBER_OF.finditer(text):
        before = proper_runs(text[: m.start()])
        tail = text[m.end() : m.end() + 200]
        after = [(0, 0, _fr_name(tail))] if _is_french(m.group(0)) else proper_runs(tail)
        if not before or before[-1][1] != m.start() or not after or after[0][0] > 30:
            continue
        if not after[0][2] or tail.startswith("by "):
            continue
        member = canonical_name(before[-1][2], acronyms)
        group = canonical_name(after[0][2], acronyms)
        if member != group:
            yield group, [member], m.start()


def _is_french(connector: str) -> bool:
    return any(w in connector for w in ("membre", "joint", "adhér", "rejoint", "adhère"))


_FR_NAME_STOPS = frozenset(
    [
        "en",
        "pour",
        "qui",
        "afin",
        "depuis",
        "lors",
        "dans",
        "avec",
        "et",
        "à",
        "au",
        "aux",
        "le",
        "la",
        "les",
        "un",
        "une",
        "ce",
        "cette",
        "par",
    ]
)


def _fr_name(tail: str) -> str:
    """A French name after "membre de" / "s'est joint au": words up to a stop word."""
    words: list[str] = []
    for raw in tail.split()[:10]:
        word = raw.strip(",.;:()")
        if not word or word.lower() in _FR_NAME_STOPS or (not words and not word[0].isupper()):
            break
        words.append(word)
        if raw[-1:] in ",.;:()":
            break
    while words and words[-1].lower() in ("de", "du", "des", "d'"):
        words.pop()
    return " ".join(words)


def _lead_in_lists(section: Section, s_index: int, acronyms: Mapping[str, str]) -> Iterator[Fact]:
    blocks = section.blocks
    for i, block in enumerate(blocks[:-1]):
        if block.kind != "paragraph" or not _is_lead_in(block.text):
            continue
        items = _items_after(blocks, i + 1)
        subject = lead_in_subject(block.text)
        if not subject or len(items) < 2:
            continue
        names = [canonical_name(_gloss_free(b.text), acronyms) for b in items]
        if all(_looks_like_name(n) for n in names):
            where = Sentence(block.text, section, block, i, 0, s_index)
            value = {"members": sorted(set(names))}
            lead = split_sentences(block.text)[-1]
            evidence = list_evidence(lead, [b.text for b in items])
            order = where.order(len(block.text))
            yield make_fact(
                "membership", subject, value, where, order, evidence=evidence, rule="memberships"
            )


def _is_lead_in(text: str) -> bool:
    """A paragraph ending with a colon that announces a list (the colon test is the fast path)."""
    return text.rstrip().endswith(":") and _LEAD_IN_END.search(text) is not None


def _items_after(blocks: Sequence[Block], start: int) -> list[Block]:
    first = blocks[start]
    if first.kind != "item":
        return []
    return [b for b in blocks[start:] if b.kind == "item" and b.group == first.group]


def _gloss_free(text: str) -> str:
    return re.sub(r"\s*\([^()]*\)\s*$", "", text.strip().rstrip(".;,"))


_LEAD_IN = re.compile(
    r"^(?P<who>.+?)\s+(?P<verb>[a-z]+s|has signed|has ratified|is (?:a )?party to|works with)"
    r"\s+(?P<what>.+)$"
)


def lead_in_subject(text: str) -> str:
    """A stable name for the list a lead-in sentence announces, or "" when it announces none."""
    sentence = split_sentences(text)[-1] if text else ""
    head = _QUANTIFIERS.sub("", _LEAD_IN_END.sub("", sentence)).strip().rstrip(",")
    nouns = [w for w in re.findall(r"[\wÀ-ÿ]+", head.lower()) if w in COLLECTIVE_NOUNS]
    if not nouns:
        return ""
    m = _LEAD_IN.match(head)
    if m:
        what = _noun_phrase(m.group("what"), nouns[0])
        who = canonical_name(m.group("who"))
        return f"{what} {_participle(m.group('verb'))} by {who}" if what else ""
    return _noun_phrase(head, nouns[0])


def _noun_phrase(text: str, noun: str) -> str:
    m = re.search(rf"((?:[\w-]+\s+){{0,2}}){noun}((?:\s+[a-zà-ÿ]+)?)", text, re.I)
    if not m:
        return ""
    before = [w for w in m.group(1).split() if w.lower() not in ("of", "the", "a", "an", "d", "de")]
    after = m.group(2).strip()
    after = after if after.endswith(("aux", "ales", "els", "elles", "iques")) else ""
    phrase = " ".join([*before[-2:], noun, after]).strip()
    return shorten(phrase[:1].upper() + phrase[1:])


def _participle(verb: str) -> str:
    if " " in verb:
        return {"works with": "working with"}.get(verb, verb.split()[-1])
    stem = verb[:-1]
    return stem + "d" if stem.endswith("e") else stem + "ed"
