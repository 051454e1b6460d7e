"""The phrase analysis every extractor shares: word lists, tokens, tags and chunks."""

from __future__ import annotations

import pytest

from parsers.chunks import parse_sentence, phrase
from parsers.lexicon import LANGS, entries, phrases, tag_table, words
from parsers.tokens import tokenize


def chunked(text: str, lang: str = "en") -> str:
    parse = parse_sentence(text, lang)
    return " ".join(f"[{c.kind} {parse.tokens.slice(c.start, c.end)}]" for c in parse.chunks)


CHUNKS = {
    "measure-and-complement-to-amount": (
        "en",
        "This brings the total number of cases in Northern Ireland to 148.",
        "[PRON This] [VG brings] [NP the total number] [PREP of] [NP cases] [PREP in]"
        " [NP Northern Ireland] [PREP to] [AMT 148] [PUNCT .]",
    ),
    "participle-after-noun-then-copula": (
        "en",
        "The number of tests completed is 2692.",
        "[NP The number] [PREP of] [NP tests] [VG completed] [VG is] [AMT 2692] [PUNCT .]",
    ),
    "auxiliaries-and-adverb-in-one-verb-group": (
        "en",
        "A total of 149 cases have now been confirmed.",
        "[NP A total] [PREP of] [AMT 149] [NP cases] [VG have now been confirmed] [PUNCT .]",
    ),
    "composed-number-words-are-one-amount": (
        "en",
        "About three hundred officers were deployed.",
        "[AMT About three hundred] [NP officers] [VG were deployed] [PUNCT .]",
    ),
    "participle-before-noun-is-a-modifier": (
        "en",
        "They joined an approved COVID-19 vaccine trial.",
        "[PRON They] [VG joined] [NP an approved COVID-19 vaccine trial] [PUNCT .]",
    ),
    "date-and-time-stay-whole": (
        "en",
        "From 4am Monday 4 October, the rules will change.",
        "[PREP From] [TIME 4am] [DATE Monday 4 October] [PUNCT ,] [NP the rules]"
        " [VG will change] [PUNCT .]",
    ),
    "french-adjective-after-noun": (
        "fr",
        "pour un nombre total de personnes infectées de 112 189.",
        "[PREP pour] [NP un nombre total] [PREP de] [NP personnes infectées] [PREP de]"
        " [AMT 112 189] [PUNCT .]",
    ),
    "french-reflexive-verb-and-relative": (
        "fr",
        "pour un total qui s’élève à 6 403.",
        "[PREP pour] [NP un total] [SUB qui] [VG s’élève] [PREP à] [AMT 6 403] [PUNCT .]",
    ),
    "french-elision-and-auxiliary": (
        "fr",
        "Le nombre d’hospitalisations a diminué de 1.",
        "[NP Le nombre] [PREP d’] [NP hospitalisations] [VG a diminué] [PREP de] [AMT 1] [PUNCT .]",
    ),
    "french-period-phrase-stays-whole": (
        "fr",
        "5 sont survenus dans les 24 dernières heures.",
        "[AMT 5] [VG sont survenus] [PERIOD dans les 24 dernières heures] [PUNCT .]",
    ),
}


@pytest.mark.parametrize(("lang", "text", "expected"), CHUNKS.values(), ids=list(CHUNKS))
def test_chunks(lang: str, text: str, expected: str) -> None:
    assert chunked(text, lang) == expected


TAGS = {
    "closed-class-words": ("en", "the members of it are", ["DET", "NOUN", "PREP", "PRON", "AUX"]),
    "endings": ("en", "newly published reports", ["ADV", "PART", "NOUN"]),
    "names-inside-a-sentence": (
        "en",
        "then Canada and the US",
        ["ADV", "PROPN", "CONJ", "DET", "PROPN"],
    ),
    "first-word-participle": ("en", "Published today", ["PART", "ADV"]),
    "modal-makes-a-verb": ("en", "Ofcom will fine them", ["PROPN", "AUX", "VERB", "PRON"]),
    "french-elision": ("fr", "l’Agence s’est", ["DET", "PROPN", "PRON", "AUX"]),
    "french-participle-and-exception": ("fr", "la santé testée", ["DET", "NOUN", "PART"]),
    "french-future": ("fr", "le fonds recevra", ["DET", "NOUN", "VERB"]),
    "number-words": ("en", "thirteen million", ["NUM", "NUM"]),
}


@pytest.mark.parametrize(("lang", "text", "tags"), TAGS.values(), ids=list(TAGS))
def test_tags(lang: str, text: str, tags: list[str]) -> None:
    assert list(tokenize(text, lang).tags) == tags


def test_french_elided_words_are_tokens_of_their_own() -> None:
    tokens = tokenize("jusqu’au 22 mars, aujourd'hui l'Oise", "fr")
    assert list(tokens.words) == ["jusqu’", "au", "22", "mars", ",", "aujourd'hui", "l'", "Oise"]


def test_token_offsets_give_back_the_sentence() -> None:
    text = "The U.S. and the E.U. met on 3 March — in Ottawa."
    tokens = tokenize(text, "en")
    assert [text[s:e] for s, e in zip(tokens.starts, tokens.ends, strict=True)] == list(
        tokens.words
    )
    assert "U.S." in tokens.words


def test_phrase_is_the_sentence_own_words_without_leading_determiner() -> None:
    parse = parse_sentence("The total number of cases in Northern Ireland rose.", "en")
    assert phrase(parse, 0, 5) == "total number of cases in Northern Ireland"


@pytest.mark.parametrize("lang", LANGS)
def test_every_word_list_is_lowercase_and_clean(lang: str) -> None:
    from importlib import resources

    folder = resources.files("parsers") / "data" / lang
    names = sorted(p.name.removesuffix(".txt") for p in folder.iterdir() if p.name.endswith(".txt"))
    assert names, "no word lists"
    for name in names:
        listed = entries(lang, name)
        assert listed, name
        assert all(e == e.lower() for e in listed), name
        assert len(words(lang, name)) == len(set(listed))
        assert all(len(p) >= 1 for p in phrases(lang, name))


def test_the_same_word_lists_exist_in_both_languages() -> None:
    from importlib import resources

    def names(lang: str) -> set[str]:
        folder = resources.files("parsers") / "data" / lang
        return {p.name for p in folder.iterdir() if p.name.endswith(".txt")}

    assert names("en") == names("fr")
    assert tag_table("en")["the"] == "DET" and tag_table("fr")["les"] == "DET"
