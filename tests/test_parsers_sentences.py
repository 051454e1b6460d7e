"""Sentence-level extraction cases, English and French, including what is not a fact."""

from __future__ import annotations

from typing import Any

import pytest

from parsers import Fact, extract_facts, parse_document


def facts_of(text: str, lang: str = "en", heading: str = "Overview") -> list[Fact]:
    html = f'<html lang="{lang}"><body><main><h1>Page</h1><h2>{heading}</h2><p>{text}</p></main>'
    doc = parse_document(html.encode(), url="https://www.canada.ca/page.html")
    return extract_facts(doc)


def of_kind(facts: list[Fact], kind: str) -> list[Fact]:
    return [f for f in facts if f.kind == kind]


def _matches(fact: Fact, subject: str | None, value: dict[str, Any]) -> bool:
    same_value = all(fact.value.get(k) == v for k, v in value.items())
    return same_value and (subject is None or fact.subject == subject)


FIGURES: list[tuple[str, str, str | None, dict[str, Any]]] = [
    # (lang, sentence, subject, value subset)
    (
        "en",
        "The program funded 250 community projects in 2022.",
        "funded community projects",
        {"amount": 250, "unit": "community projects"},
    ),
    (
        "en",
        "Over 1,500 participants from 60 countries attended the forum.",
        None,
        {"amount": 1500, "qualifier": "over", "unit": "participants"},
    ),
    (
        "en",
        "Over 1,500 participants from 60 countries attended the forum.",
        None,
        {"amount": 60, "unit": "countries"},
    ),
    (
        "en",
        "Budget 2024 provides $2.3 billion to support the strategy.",
        None,
        {"amount": 2_300_000_000, "currency": "CAD"},
    ),
    (
        "en",
        "The Fund will provide €5 million to partner organisations.",
        None,
        {"amount": 5_000_000, "currency": "EUR"},
    ),
    (
        "en",
        "The UK will invest £3m in the programme.",
        None,
        {"amount": 3_000_000, "currency": "GBP"},
    ),
    ("en", "Reports of online luring rose by 12 per cent.", None, {"amount": 12, "percent": True}),
    ("en", "About 40% of victims were under 12.", None, {"amount": 40, "percent": True}),
    (
        "en",
        "Between 8 and 10 officers were deployed to each site.",
        None,
        {"amount": 8, "amount_max": 10, "unit": "officers"},
    ),
    (
        "en",
        "A hundred volunteers took part in the exercise.",
        None,
        {"amount": 100, "unit": "volunteers"},
    ),
    (
        "en",
        "Twenty-one countries signed the declaration.",
        "countries signed the declaration",
        {"amount": 21},
    ),
    ("en", "Sixteen partners joined the initiative.", None, {"amount": 16, "unit": "partners"}),
    (
        "en",
        "Nearly 100 countries take part.",
        "countries take part",
        {"amount": 100, "qualifier": "nearly"},
    ),
    (
        "en",
        "At least 3 million children are at risk.",
        None,
        {"amount": 3_000_000, "qualifier": "at least", "unit": "children"},
    ),
    (
        "en",
        "Fewer than 50 companies responded.",
        None,
        {"amount": 50, "qualifier": "fewer than", "unit": "companies"},
    ),
    (
        "en",
        "Upwards of 2,000 reports were received in 2022-23.",
        None,
        {"amount": 2000, "qualifier": "upwards of", "unit": "reports"},
    ),
    (
        "fr",
        "Le Centre a reçu plus de 20 000 signalements en 2022.",
        None,
        {"amount": 20000, "qualifier": "more than", "unit": "signalements"},
    ),
    (
        "fr",
        "Le Centre a reçu plus de 20\u00a0000 signalements en 2022.",
        None,
        {"amount": 20000, "qualifier": "more than"},
    ),
    ("fr", "Le Centre a reçu plus de 20\u202f000 signalements en 2022.", None, {"amount": 20000}),
    (
        "fr",
        "L'industrie a fait 29,4 millions de signalements.",
        None,
        {"amount": 29_400_000, "unit": "signalements"},
    ),
    (
        "fr",
        "Le gouvernement investit 2,3 milliards de dollars dans la stratégie.",
        None,
        {"amount": 2_300_000_000, "currency": "CAD"},
    ),
    (
        "fr",
        "Le projet couvre près de 100 pays.",
        None,
        {"amount": 100, "qualifier": "nearly", "unit": "pays"},
    ),
    ("fr", "Seize pays ont signé la déclaration.", None, {"amount": 16, "unit": "pays"}),
    ("fr", "On compte vingt et un partenaires.", None, {"amount": 21, "unit": "partenaires"}),
    (
        "fr",
        "Environ 12 pour cent des entreprises ont répondu.",
        None,
        {"amount": 12, "percent": True, "qualifier": "about"},
    ),
    (
        "fr",
        "Au moins 5 000 participants étaient présents.",
        None,
        {"amount": 5000, "qualifier": "at least", "unit": "participants"},
    ),
    (
        "fr",
        "Le fonds versera jusqu'à 10 millions d'euros.",
        None,
        {"amount": 10_000_000, "qualifier": "up to", "currency": "EUR"},
    ),
    (
        "fr",
        "Moins de 50 entreprises ont répondu.",
        None,
        {"amount": 50, "qualifier": "fewer than", "unit": "entreprises"},
    ),
    # what a number measures, from the phrase before it
    (
        "en",
        "This brings the total number of cases in Northern Ireland to 148.",
        "total number of cases in Northern Ireland",
        {"amount": 148},
    ),
    ("en", "The number of tests completed is 2692.", "number of tests completed", {"amount": 2692}),
    (
        "en",
        "A total of 149 cases have now been confirmed.",
        "cases have been confirmed",
        {"amount": 149, "unit": "cases"},
    ),
    ("en", "Thirteen new cases were reported.", None, {"amount": 13, "unit": "new cases"}),
    ("en", "About three hundred officers were deployed.", None, {"amount": 300}),
    ("en", "Children aged 11 to 17 must take a test.", "Children aged", {"amount_max": 17}),
    ("en", "The budget rose to $3 million.", "budget", {"amount": 3_000_000, "currency": "CAD"}),
    (
        "fr",
        "Le nombre total de personnes infectées est de 112 189.",
        "nombre total de personnes infectées",
        {"amount": 112189},
    ),
    ("fr", "On compte un cumul de 539 décès.", "cumul de décès", {"amount": 539}),
    (
        "fr",
        "Le nombre de personnes hospitalisées s’élève maintenant à 77.",
        "nombre de personnes hospitalisées",
        {"amount": 77},
    ),
    ("fr", "Le fonds recevra 1,2 million d'euros.", None, {"amount": 1_200_000, "currency": "EUR"}),
    (
        "fr",
        "Il porte à 3 le nombre de patients infectés sur l’île.",
        "nombre de patients infectés sur l’île",
        {"amount": 3},
    ),
    (
        "fr",
        "De ces 25 décès, 5 sont survenus dans les 24 dernières heures.",
        "décès sont survenus dans les 24 dernières heures",
        {"amount": 5},
    ),
    ("fr", "Le total des décès s'élève à 6 403.", "total des décès", {"amount": 6403}),
]


@pytest.mark.parametrize(
    ("lang", "sentence", "subject", "value"),
    FIGURES,
    ids=[f"{f[0]}-{f[1][:40]}-{next(iter(f[3].values()))}" for f in FIGURES],
)
def test_figure(lang: str, sentence: str, subject: str | None, value: dict[str, Any]) -> None:
    figures = of_kind(facts_of(sentence, lang), "figure")
    assert any(_matches(f, subject, value) for f in figures), [
        (f.subject, f.value) for f in figures
    ]


NOT_FIGURES = [
    ("en", "The G7 leaders met for the second time in Ottawa."),
    ("en", "Call 1-800-622-6232 or 613-555-0199 for information."),
    ("en", "Under section 12 of the Act, providers must report."),
    ("en", "Article 3 requires parties to act."),
    ("en", "In 2021, the program expanded."),
    ("en", "Version 2.1.3 of the tool was released."),
    ("en", "The Five Eyes partners met in Ottawa."),
    ("en", "The Five Country Ministerial is one of the forums."),
    ("en", "The 2nd edition marks the 3rd anniversary of the Principles."),
    ("en", "COVID-19 measures ended at 10:30 a.m. on May 5, 2023."),
    ("en", "Bill C-63 was tabled in the House."),
    ("en", "The Convention and its two Optional Protocols apply."),
    ("fr", "L'article 3 exige que les parties agissent."),
    ("fr", "Le G7 a tenu sa réunion le 2e jour."),
    ("fr", "En 2021, le programme a pris de l'ampleur."),
    ("fr", "Le 24 mars 2022, le ministre a parlé."),
    ("en", "Monday 23 March was the day."),
    ("en", "The office opens at 12 noon and closes at 4pm."),
    ("en", "Applications close by May 30th."),
    ("en", "Download the guidance (PDF, 545 KB)."),
    ("fr", "La réunion aura lieu le 29 octobre."),
    ("fr", "Le bureau ouvre à 14 h 30 et ferme à 16 h."),
    ("fr", "Contactez le 15 en cas de symptômes."),
]


@pytest.mark.parametrize(("lang", "sentence"), NOT_FIGURES, ids=[s[:40] for _, s in NOT_FIGURES])
def test_not_a_figure(lang: str, sentence: str) -> None:
    assert of_kind(facts_of(sentence, lang), "figure") == []


ONE_FACT_PER_NUMBER = [
    ("en", "About three hundred officers were deployed.", [300]),
    ("en", "Over 1,500 participants from 60 countries attended.", [1500, 60]),
    ("en", "Between 8 and 10 officers were deployed.", [8]),
    ("fr", "Le fonds recevra 1,2 million d'euros.", [1_200_000]),
    ("fr", "De ces 25 décès, 5 sont survenus hier et 3 sont survenus avant.", [5, 3]),
    ("fr", "Elles font état de 25 nouveaux décès. De ces 25 décès, 5 sont survenus hier.", [25, 5]),
]


@pytest.mark.parametrize(
    ("lang", "sentence", "amounts"),
    ONE_FACT_PER_NUMBER,
    ids=[s[:40] for _, s, _ in ONE_FACT_PER_NUMBER],
)
def test_a_number_is_one_fact(lang: str, sentence: str, amounts: list[int]) -> None:
    facts = facts_of(sentence, lang)
    assert [f.value["amount"] for f in of_kind(facts, "figure")] == amounts
    assert of_kind(facts, "date") == []


DATES: list[tuple[str, str, str | None, dict[str, Any]]] = [
    (
        "en",
        "The Minister announced the funding on March 24, 2022.",
        "Minister announced the funding",
        {"date": "2022-03-24"},
    ),
    (
        "en",
        "The summit was held December 8 to 10, 2023 in Paris.",
        "summit was held",
        {"date": "2023-12-08", "date_end": "2023-12-10"},
    ),
    (
        "en",
        "The guidance was published 24 March 2022.",
        "guidance was published",
        {"date": "2022-03-24"},
    ),
    ("en", "The regulations came into force on 2022-03-24.", None, {"date": "2022-03-24"}),
    ("en", "Since 2023, Canada has chaired the group.", None, {"date": "2023"}),
    (
        "en",
        "In March 2020, ministers launched the Voluntary Principles.",
        "launched Voluntary Principles",
        {"date": "2020-03"},
    ),
    (
        "en",
        "In October 2022, Canada joined the Global Taskforce.",
        "Canada joined Global Taskforce",
        {"date": "2022-10"},
    ),
    (
        "en",
        "The 2022 yearly meeting was held in Eltville am Rhein.",
        "yearly meeting was held in Eltville am Rhein",
        {"date": "2022"},
    ),
    (
        "fr",
        "Le 24 mars 2022, le ministre a annoncé le financement.",
        "a annoncé le financement",
        {"date": "2022-03-24"},
    ),
    ("fr", "Le 1er mars 2022, le règlement est entré en vigueur.", None, {"date": "2022-03-01"}),
    (
        "fr",
        "Le sommet s'est tenu du 8 au 10 décembre 2023 à Paris.",
        None,
        {"date": "2023-12-08", "date_end": "2023-12-10"},
    ),
    (
        "fr",
        "En mars 2020, le Groupe des cinq a lancé les Principes volontaires.",
        "a lancé les Principes volontaires",
        {"date": "2020-03"},
    ),
    ("fr", "En 2021, l'industrie a fait 29,4 millions de signalements.", None, {"date": "2021"}),
    (
        "fr",
        "Le Canada s'est joint au Groupe de travail mondial en octobre 2022.",
        None,
        {"date": "2022-10"},
    ),
    # a day without a year; weekdays and times of day belong to the date
    ("en", "Three new cases were confirmed on Monday 23 March.", None, {"date": "--03-23"}),
    (
        "en",
        "Applications must be submitted by May 30th.",
        "Applications must be submitted by",
        {"date": "--05-30"},
    ),
    (
        "en",
        "Reports are due no later than 30 September.",
        "Reports are due no later than",
        {"date": "--09-30"},
    ),
    (
        "en",
        "The deadline was extended from 23 September to 27 September 2022.",
        "deadline was extended",
        {"date": "2022-09-23", "date_end": "2022-09-27"},
    ),
    ("en", "The office reopens at 4am Sunday 25 October.", None, {"date": "--10-25"}),
    ("fr", "La réunion aura lieu le 29 octobre à 14 h.", "réunion aura lieu", {"date": "--10-29"}),
    (
        "fr",
        "Les écoles resteront fermées jusqu'au 22 mars.",
        "écoles resteront fermées jusqu'au",
        {"date": "--03-22"},
    ),
    (
        "fr",
        "Les demandes doivent être envoyées au plus tard le 30 septembre.",
        "demandes doivent être envoyées au plus tard le",
        {"date": "--09-30"},
    ),
    (
        "fr",
        "Entre le 1er avril 2022 et le 31 mars 2023, le CCPE a envoyé des avis.",
        None,
        {"date": "2022-04-01", "date_end": "2023-03-31"},
    ),
]


@pytest.mark.parametrize(
    ("lang", "sentence", "subject", "value"), DATES, ids=[f"{d[0]}-{d[1][:45]}" for d in DATES]
)
def test_date(lang: str, sentence: str, subject: str | None, value: dict[str, Any]) -> None:
    dates = of_kind(facts_of(sentence, lang), "date")
    assert any(_matches(f, subject, value) and f.value == value for f in dates), [
        (f.subject, f.value) for f in dates
    ]


NOT_DATES = [
    ("en", "Budget 2024 provides new support."),
    ("en", "The 2021 Report is available."),
    ("en", "The plan sets out 2021 actions."),
    ("fr", "Le Budget 2024 prévoit un soutien."),
]


@pytest.mark.parametrize(("lang", "sentence"), NOT_DATES, ids=[s for _, s in NOT_DATES])
def test_not_a_date(lang: str, sentence: str) -> None:
    assert of_kind(facts_of(sentence, lang), "date") == []


def test_a_day_without_a_year_takes_the_year_of_the_page_date() -> None:
    html = (
        '<html lang="en"><head><meta name="dcterms.modified" content="2024-03-15"></head>'
        "<body><main><h1>Page</h1><p>Applications must be submitted by September 30th. "
        "The office closed on 2 January.</p></main>"
    )
    dates = of_kind(extract_facts(parse_document(html.encode())), "date")
    values = {f.subject: f.value for f in dates if f.subject != "page modified"}
    assert values == {
        "Applications must be submitted by": {"date": "2024-09-30", "inferred": "year"},
        "office closed": {"date": "2024-01-02", "inferred": "year"},
    }


def test_full_date_year_is_not_emitted_again() -> None:
    dates = of_kind(facts_of("On March 24, 2022, the plan for 2022 was adopted."), "date")
    assert [f.value["date"] for f in dates] == ["2022-03-24"]


MEMBERSHIPS: list[tuple[str, str, str, str, list[str]]] = [
    # (lang, heading, sentence, group, members)
    (
        "en",
        "Partners",
        "The Quad's members are Australia, India, Japan and the United States.",
        "Quad",
        ["Australia", "India", "Japan", "United States"],
    ),
    (
        "en",
        "Partners",
        "The Five Eyes alliance is composed of Australia, Canada, New Zealand, the UK and the U.S.",
        "Five Eyes alliance",
        ["Australia", "Canada", "New Zealand", "United Kingdom", "United States"],
    ),
    (
        "en",
        "Partners",
        "Canada is a member of the Global Coalition to Defeat Daesh.",
        "Global Coalition to Defeat Daesh",
        ["Canada"],
    ),
    (
        "en",
        "Partners",
        "Canada joined the Open Government Partnership in 2012.",
        "Open Government Partnership",
        ["Canada"],
    ),
    (
        "en",
        "G7 Working Group",
        "Members include Canada, the USA, Great Britain and the EU.",
        "G7 Working Group",
        ["Canada", "European Union", "United Kingdom", "United States"],
    ),
    (
        "en",
        "Partners",
        "In 2020, the Five Country Ministerial (Australia, Canada, New Zealand, U.K., and the "
        "United States of America) met.",
        "Five Country Ministerial",
        ["Australia", "Canada", "New Zealand", "United Kingdom", "United States"],
    ),
    (
        "en",
        "Partners",
        "Australia, Canada, New Zealand, the United Kingdom and the United States launched the "
        "Voluntary Principles.",
        "launched the Voluntary Principles",
        ["Australia", "Canada", "New Zealand", "United Kingdom", "United States"],
    ),
    (
        "en",
        "Partners",
        "Canada, alongside Australia and New Zealand, issued a joint statement.",
        "issued a joint statement",
        ["Australia", "Canada", "New Zealand"],
    ),
    (
        "en",
        "Partners",
        "Canada, joined by the U.K. and the U.S., announced new sanctions.",
        "announced new sanctions",
        ["Canada", "United Kingdom", "United States"],
    ),
    (
        "fr",
        "Groupe de travail du G7",
        "Les membres sont l'Allemagne, le Canada, les États-Unis, la France, l'Italie, le Japon, "
        "le Royaume-Uni et l'Union européenne.",
        "Groupe de travail du G7",
        [
            "Canada",
            "European Union",
            "France",
            "Germany",
            "Italy",
            "Japan",
            "United Kingdom",
            "United States",
        ],
    ),
    (
        "fr",
        "Partenaires",
        "En mars 2020, le Groupe des cinq pays (l'Australie, le Canada, la Nouvelle-Zélande, le "
        "Royaume-Uni et les États-Unis) a lancé les Principes.",
        "Groupe des cinq pays",
        ["Australia", "Canada", "New Zealand", "United Kingdom", "United States"],
    ),
    (
        "fr",
        "Partenaires",
        "Le Canada est membre de l'Alliance mondiale WeProtect.",
        "Alliance mondiale WeProtect",
        ["Canada"],
    ),
    (
        "fr",
        "Partenaires",
        "Le Canada s'est joint au Groupe de travail mondial en octobre 2022.",
        "Groupe de travail mondial",
        ["Canada"],
    ),
    (
        "fr",
        "Le Groupe des Sept",
        "Ses membres comprennent le Canada, les États-Unis et le Royaume-Uni.",
        "Groupe des Sept",
        ["Canada", "United Kingdom", "United States"],
    ),
    (
        "en",
        "Partners",
        "The members of the Arctic Cooperation Working Group are Canada, Denmark and Norway.",
        "Arctic Cooperation Working Group",
        ["Canada", "Denmark", "Norway"],
    ),
    (
        "en",
        "Partners",
        "The Arctic Council consists of Canada, Denmark and Norway.",
        "Arctic Council",
        ["Canada", "Denmark", "Norway"],
    ),
    (
        "en",
        "Eligibility",
        "You qualify if you took part in an approved vaccine trial in the UK, Canada or the USA.",
        "approved vaccine trial in",
        ["Canada", "United Kingdom", "United States"],
    ),
    (
        "en",
        "Eligibility",
        "Vaccines from a public health body in Antigua and Barbuda, St Vincent and the Grenadines"
        " or the United Arab Emirates (UAE) are accepted.",
        "public health body in",
        ["Antigua and Barbuda", "Saint Vincent and the Grenadines", "United Arab Emirates"],
    ),
    (
        "fr",
        "Partenaires",
        "Les membres du groupe de travail sont le Canada, le Danemark et la Norvège.",
        "groupe de travail",
        ["Canada", "Denmark", "Norway"],
    ),
    (
        "fr",
        "Partenaires",
        "Le Conseil de l'Arctique se compose du Canada, du Danemark et de la Norvège.",
        "Conseil de l'Arctique",
        ["Canada", "Denmark", "Norway"],
    ),
]


@pytest.mark.parametrize(
    ("lang", "heading", "sentence", "group", "members"),
    MEMBERSHIPS,
    ids=[f"{m[0]}-{m[3]}" for m in MEMBERSHIPS],
)
def test_membership(lang: str, heading: str, sentence: str, group: str, members: list[str]) -> None:
    found = of_kind(facts_of(sentence, lang, heading), "membership")
    assert [(f.subject, f.value["members"]) for f in found] == [(group, members)]


def test_acronym_is_tied_to_its_long_name() -> None:
    text = (
        "Canada supports the Global Partnership to End Violence (GPEV). "
        "Canada is a member of the GPEV."
    )
    found = of_kind(facts_of(text), "membership")
    assert [f.subject for f in found] == ["GPEV"]
    assert found[0].extra["group"] == "Global Partnership to End Violence"


LISTS = {
    "en-lead-in": (
        "en",
        "<h2>Partners</h2><p>The members of the Polar Data Network are:</p>"
        "<ul><li>Canada</li><li>the United States</li><li>Greenland</li></ul>",
        "Polar Data Network",
        ["Canada", "Greenland", "United States"],
    ),
    "en-heading": (
        "en",
        "<h2>Members of the Ice Monitoring Partnership</h2>"
        "<ul><li>Canada</li><li>Norway (since 2019)</li><li>Japan</li></ul>",
        "Ice Monitoring Partnership",
        ["Canada", "Japan", "Norway"],
    ),
    "en-heading-names-a-list": (
        "en",
        "<h2>Countries and territories on the exempt list</h2><p>You do not need to quarantine.</p>"
        "<ul><li>Antigua and Barbuda</li><li>the Canary Islands</li><li>Denmark</li></ul>",
        "Countries and territories on the exempt list",
        ["Antigua and Barbuda", "Canary Islands", "Denmark"],
    ),
    "fr-lead-in": (
        "fr",
        "<h2>Partenaires</h2><p>Les membres du Réseau de données polaires sont :</p>"
        "<ul><li>le Canada</li><li>les États-Unis</li><li>le Groenland</li></ul>",
        "Réseau de données polaires",
        ["Canada", "Greenland", "United States"],
    ),
    "fr-heading": (
        "fr",
        "<h2>Membres du Partenariat de surveillance des glaces</h2>"
        "<ul><li>Canada</li><li>Norvège</li><li>Japon</li></ul>",
        "Partenariat de surveillance des glaces",
        ["Canada", "Japan", "Norway"],
    ),
}


@pytest.mark.parametrize(("lang", "main", "group", "members"), LISTS.values(), ids=list(LISTS))
def test_bulleted_list_of_members(lang: str, main: str, group: str, members: list[str]) -> None:
    html = f'<html lang="{lang}"><body><main><h1>Page</h1>{main}</main>'
    facts = of_kind(extract_facts(parse_document(html.encode())), "membership")
    assert [(f.subject, f.value["members"]) for f in facts] == [(group, members)]


READABLE = [
    # (lang, sentence, kind, subject): sentences whose subjects used to read badly
    (
        "en",
        "Observers that attended the 2024 session included Japan and South Korea.",
        "membership",
        "Observers that attended the 2024 session",
    ),
    ("en", "The meeting will be held on 12 May.", "date", "meeting will be held"),
    (
        "en",
        "Canada committed to the Working Group in 2021.",
        "date",
        "Canada committed to Working Group",
    ),
    ("en", "The Working Group is headed by Norway since 2023.", "date", "Working Group is headed"),
    ("fr", "Le Canada a engagé 5 millions de dollars en 2022.", "figure", "Canada a engagé"),
    (
        "fr",
        "Les rapports publiés en 2023 font état de 1 200 incidents.",
        "date",
        "rapports publiés font état",
    ),
]


@pytest.mark.parametrize(
    ("lang", "sentence", "kind", "subject"), READABLE, ids=[r[1][:40] for r in READABLE]
)
def test_readable_subject(lang: str, sentence: str, kind: str, subject: str) -> None:
    assert subject in [f.subject for f in of_kind(facts_of(sentence, lang), kind)]
