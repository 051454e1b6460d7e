"""The benchmark corpus: N realistic Government of Canada pages, in two variants.

Every page is a pure function of its index and the variant, so the page
server, the floors and the checks agree on the corpus without passing the
bytes around. A page is about 45 KB: a Canada.ca header with its mega menu,
breadcrumbs, a ``<main>`` with several sections (member lists, figures,
dates, prose) and the long footer.

Variant 2 edits one page in ten in one fact (a figure, a member or a date;
:func:`plan` says which) and another page in ten only in its boilerplate
(a menu label, the page token, the footer year).
"""

from __future__ import annotations

import hashlib
import html
import json
import random
from dataclasses import dataclass
from email.utils import formatdate
from typing import Literal

Edit = Literal["same", "figure", "member", "date", "noise"]
FACT_EDITS: tuple[Edit, ...] = ("figure", "member", "date")
BASE_TIME = 1_686_300_000  # 2023-06-09, when variant 1 was "published"

COUNTRIES = (
    "Canada", "the United States", "France", "Germany", "Italy", "Japan", "the United Kingdom",
    "Australia", "New Zealand", "Mexico", "Brazil", "India", "Norway", "Sweden",
    "the Netherlands", "Spain", "Ireland", "Denmark", "Finland", "South Africa", "Chile",
    "Argentina", "Portugal", "Belgium", "Poland", "Austria", "Switzerland", "Iceland",
)  # fmt: skip
GROUPS = (
    "Working Group on Border Security", "Expert Group on Cyber Resilience",
    "Partnership on Emergency Preparedness", "Forum on Critical Infrastructure",
    "Network for Financial Crime Prevention", "Coalition on Online Safety",
    "Task Force on Wildfire Response", "Council on Migrant Smuggling",
    "Alliance for Maritime Security", "Committee on Firearms Trafficking",
    "Working Group on Countering Violent Extremism", "Forum on Disaster Risk Reduction",
)  # fmt: skip
PLANS = (
    ("Action Plan", "encourage industry to play its part"),
    ("Framework for Cooperation", "strengthen domestic regimes"),
    ("Joint Strategy", "strengthen law enforcement cooperation"),
    ("Roadmap", "protect communities around the world"),
    ("Charter", "improve the sharing of information between partners"),
    ("Declaration of Principles", "support victims and survivors"),
)  # fmt: skip
ENDORSERS = ("companies", "organizations", "municipalities", "universities", "agencies")
OUTPUTS = (
    ("reports", "the national coordination centre"),
    ("notifications", "service providers"),
    ("referrals", "partner agencies"),
    ("alerts", "front-line responders"),
)  # fmt: skip
MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August",
    "September", "October", "November", "December",
)  # fmt: skip
FILLER = (
    "The Government of Canada works with domestic and international partners to keep "
    "Canadians safe while respecting their rights and freedoms.",
    "Public Safety Canada leads the coordination of federal efforts and supports the work "
    "of provinces, territories and Indigenous communities.",
    "This work relies on the exchange of information regarding new and emerging threats, "
    "and on the sharing of best practices and lessons learned.",
    "Partners meet regularly to review progress, identify gaps and agree on priorities for "
    "the coming year.",
    "Industry has many tools at its disposal and a central role to play in ensuring that "
    "services are designed with safety in mind.",
    "The department publishes guidance for organizations that wish to take part and "
    "answers questions from the public.",
    "Civil society organizations contribute their expertise and help reach people who are "
    "most at risk.",
    "Evaluations of the program are published so that Canadians can see what was achieved "
    "and what remains to be done.",
    "Officials also consult experts from academia on research priorities and on the "
    "measurement of results.",
    "Funding decisions follow the published criteria and are reviewed by an independent "
    "committee.",
)  # fmt: skip
THEMES = (
    "Jobs", "Immigration and citizenship", "Travel and tourism", "Business and industry",
    "Benefits", "Health", "Taxes", "Environment and natural resources",
    "National security and defence", "Culture, history and sport", "Policing, justice and "
    "emergencies", "Transport and infrastructure", "Canada and the world", "Money and finances",
    "Science and innovation", "Indigenous peoples",
)  # fmt: skip


@dataclass(frozen=True)
class Section:
    """The facts of one section of a page, as generated."""

    group: str
    plan: str
    aim: str
    members: tuple[str, ...]
    month: int
    year: int
    endorsers: int
    endorser_kind: str
    output: int
    output_kind: tuple[str, str]
    output_year: int
    filler: tuple[int, ...]


@dataclass(frozen=True)
class PageSpec:
    """One page of the corpus in one variant."""

    index: int
    title: str
    sections: tuple[Section, ...]
    menu: tuple[str, ...]
    token: str
    footer_year: int


def plan(index: int) -> Edit:
    """How variant 2 differs from variant 1 for page ``index``."""
    slot = index % 10
    if slot == 3:
        return FACT_EDITS[(index // 10) % len(FACT_EDITS)]
    return "noise" if slot == 7 else "same"


def path(index: int) -> str:
    """The URL path of page ``index``."""
    return f"/en/public-safety-canada/programs/international-cooperation-{index:05d}.html"


def _section(rng: random.Random, group: str) -> Section:
    plan_name, aim = rng.choice(PLANS)
    return Section(
        group=group,
        plan=plan_name,
        aim=aim,
        members=tuple(rng.sample(COUNTRIES[1:], rng.randint(4, 8))),
        month=rng.randint(1, 11),
        year=rng.randint(2015, 2022),
        endorsers=rng.randint(12, 480),
        endorser_kind=rng.choice(ENDORSERS),
        output=rng.randint(2, 90),
        output_kind=rng.choice(OUTPUTS),
        output_year=rng.randint(2018, 2023),
        filler=tuple(rng.sample(range(len(FILLER)), 6)),
    )


def spec(index: int, variant: int = 1) -> PageSpec:
    """The content of page ``index`` in ``variant`` (1 or 2)."""
    rng = random.Random(index)
    groups = rng.sample(GROUPS, 6)
    sections = tuple(_section(rng, group) for group in groups)
    title = f"International Cooperation on {groups[0].split(' on ')[-1].split(' for ')[-1]}"
    page = PageSpec(index, title, sections, THEMES, f"t{index:06x}", 2024)
    return page if variant == 1 else _edit(page, plan(index))


def _edit(page: PageSpec, edit: Edit) -> PageSpec:
    first = page.sections[0]
    if edit == "figure":
        first = _replace(first, endorsers=first.endorsers + 7)
    elif edit == "member":
        extra = next(c for c in COUNTRIES[1:] if c not in first.members)
        first = _replace(first, members=(*first.members, extra))
    elif edit == "date":
        first = _replace(first, month=first.month + 1)
    elif edit == "noise":
        menu = ("Jobs and the workplace", *page.menu[1:])
        return PageSpec(page.index, page.title, page.sections, menu, "n" + page.token, 2025)
    return PageSpec(
        page.index, page.title, (first, *page.sections[1:]), page.menu, page.token, page.footer_year
    )


def _replace(section: Section, **changes: object) -> Section:
    return Section(**{**section.__dict__, **changes})


def _list(names: tuple[str, ...]) -> str:
    return ", ".join(names[:-1]) + " and " + names[-1]


def section_html(s: Section) -> str:
    """The markup of one section."""
    anchor = s.group.lower().replace(" ", "-")
    reports, recipient = s.output_kind
    filler = [FILLER[i] for i in s.filler]
    lines = [
        f'<h2 id="{anchor}">{s.group}</h2>',
        f"<p>{filler[0]} {filler[1]}</p>",
        f"<p>Canada engages with international counterparts through the {s.group}, which "
        f"monitors progress on delivering the {s.plan}. Members include "
        f"{_list(('Canada', *s.members))}.</p>",
        f"<p>Ministers agreed to the {s.plan} in {MONTHS[s.month - 1]} {s.year}, which aims "
        f"to {s.aim}. Since then, a total of {s.endorsers} {s.endorser_kind} have endorsed "
        f"the {s.plan}.</p>",
        f"<p>{filler[2]} {filler[3]}</p>",
        "<ul>",
        f"<li>Partners made {s.output} thousand {reports} to {recipient} in {s.output_year} "
        "alone.</li>",
        f"<li>{filler[4]}</li>",
        f"<li>{filler[5]}</li>",
        "</ul>",
        f'<p>For more information, consult the <a href="/{anchor}.html">{s.group} '
        "annual report</a>.</p>",
    ]
    return "\n".join(lines)


def main_html(page: PageSpec) -> str:
    """The ``<main>`` content of a page (without the page details block)."""
    toc = "\n".join(
        f'<li><a href="#{s.group.lower().replace(" ", "-")}">{s.group}</a></li>'
        for s in page.sections
    )
    head = [
        f'<h1 property="name" id="wb-cont">{html.escape(page.title)}</h1>',
        f'<section class="toc"><h2 class="h5">On This Page:</h2><ul>{toc}</ul></section>',
        f"<p>{FILLER[0]} {FILLER[1]}</p>",
    ]
    return "\n".join(head + [section_html(s) for s in page.sections])


def _menu(themes: tuple[str, ...]) -> str:
    # Canada.ca loads the submenus on demand: the page carries the themes only.
    return "\n".join(
        f'<li role="presentation"><a role="menuitem" tabindex="-1" aria-haspopup="true" '
        f'aria-controls="gc-mnu-{n}" aria-expanded="false" href="https://www.canada.ca/en/'
        f'services/{t.lower().replace(" ", "-").replace(",", "")}.html">{html.escape(t)}</a></li>'
        for n, t in enumerate(themes)
    )


def _inline_assets(token: str) -> str:
    """The inline style and scripts of the template (the bulk of a page's bytes)."""
    css = " ".join(
        f".gc-{k} .wb-{k % 7}>li:nth-child({k % 5 + 1}){{margin:{k % 9}px 0 {k % 4}em;"
        f"padding:0 {k % 3}px;border-left:{k % 2}px solid #{k * 2654435761 % 16777216:06x}}}"
        for k in range(120)
    )
    config = {
        f"cfg_{k}": {"id": f"gc-{k:03d}", "enabled": k % 3 != 0,
                     "path": f"/etc/designs/canada/wet-boew/js/plugin-{k}.min.js",
                     "i18n": {"en": f"Plugin {k}", "fr": f"Module d'extension {k}"}}
        for k in range(95)
    }  # fmt: skip
    data = json.dumps({"token": token, "plugins": config}, separators=(",", ":"))
    return (
        f"<style>{css}</style>\n<script>window.wb = window.wb || {{}}; wb.config = {data};\n"
        "(function(w,d){var s=d.createElement('script');s.async=true;"
        "s.src=w.wb.config.plugins.cfg_1.path;d.head.appendChild(s);})(window,document);"
        "</script>"
    )


def _footer(year: int) -> str:
    corporate = "".join(
        f'<li><a href="https://www.canada.ca/en/{slug}.html">{label}</a></li>'
        for slug, label in (
            ("contact", "All contacts"), ("government/dept", "Departments and agencies"),
            ("government/system", "About government"), ("news", "News"),
            ("government/system/laws", "Treaties, laws and regulations"),
            ("transparency", "Government-wide reporting"), ("government/ministers",
            "Prime Minister"), ("government/system/how-government-works", "How government "
            "works"), ("open", "Open government"), ("social", "Social media"),
            ("mobile", "Mobile applications"), ("government/about", "About Canada.ca"),
            ("transparency/terms", "Terms and conditions"), ("transparency/privacy", "Privacy"),
        )
    )  # fmt: skip
    return (
        '<footer id="wb-info"><div class="landscape"><nav class="container wb-navcurr">'
        '<h2 class="wb-inv">About government</h2><ul class="list-unstyled colcount-sm-2 '
        f'colcount-md-3">{corporate * 3}</ul></nav></div><div class="brand"><div '
        f'class="container"><p>&copy; His Majesty the King in Right of Canada, {year}</p>'
        '<img src="https://www.canada.ca/etc/designs/canada/wet-boew/assets/wmms-blk.svg" '
        'alt="Symbol of the Government of Canada"></div></div></footer>'
    )


def render(page: PageSpec) -> bytes:
    """The full HTML of a page, as the server sends it."""
    modified = "2023-06-09"
    crumbs = "".join(
        f'<li><a href="https://www.canada.ca/en/{p}.html">{t}</a></li>'
        for p, t in (("", "Canada.ca"), ("public-safety-canada", "Public Safety Canada"),
                     ("public-safety-canada/programs", "Programs"))
    )  # fmt: skip
    return f"""<!DOCTYPE html>
<html class="no-js" lang="en" dir="ltr">
<head>
<meta charset="utf-8">
<title>{html.escape(page.title)} - Public Safety Canada</title>
<meta content="width=device-width,initial-scale=1" name="viewport">
<meta name="description" content="Canada's international cooperation on public safety.">
<meta name="dcterms.title" content="{html.escape(page.title)}">
<meta name="dcterms.creator" content="Public Safety Canada">
<meta name="dcterms.language" title="ISO639-2/T" content="eng">
<meta name="dcterms.modified" title="W3CDTF" content="{modified}">
<link rel="stylesheet" href="https://www.canada.ca/etc/designs/canada/wet-boew/css/theme.min.css">
{_inline_assets(page.token)}
</head>
<body vocab="http://schema.org/" typeof="WebPage">
<nav><ul id="wb-tphp"><li><a class="wb-link" href="#wb-cont">Skip to main content</a></li>
<li><a class="wb-link" href="#wb-info">Skip to "About government"</a></li></ul></nav>
<header>
<div id="wb-bnr" class="container"><div class="row"><section id="wb-lng"><h2 class="wb-inv">
Language selection</h2><ul><li><a lang="fr" href="/fr/{page.index}.html">Français</a></li></ul>
</section><div class="brand"><a href="https://www.canada.ca/en.html"><img
src="https://www.canada.ca/etc/designs/canada/wet-boew/assets/sig-blk-en.svg"
alt="Government of Canada"></a></div>
<section id="wb-srch"><h2>Search</h2><form action="https://www.canada.ca/en/sr/srb.html"
method="get" name="cse-search-box" role="search"><input type="hidden" name="csrf"
value="{page.token}"><input id="wb-srch-q" type="search" name="q" size="34" maxlength="170"
placeholder="Search Canada.ca"><button type="submit" id="wb-srch-sub">Search</button></form>
</section></div></div>
<nav class="gcweb-menu" typeof="SiteNavigationElement"><div class="container"><h2
class="wb-inv">Menu</h2><button type="button" aria-haspopup="true" aria-expanded="false">
Menu</button><ul role="menu" aria-orientation="vertical">
{_menu(page.menu)}
</ul></div></nav>
<nav id="wb-bc" property="breadcrumb"><h2>You are here:</h2><div class="container">
<ol class="breadcrumb">{crumbs}</ol></div></nav>
</header>
<main property="mainContentOfPage" class="container" typeof="WebPageElement">
{main_html(page)}
<section class="pagedetails"><h2 class="wb-inv">Page details</h2>
<dl id="wb-dtmd"><dt>Date modified:</dt><dd><time property="dateModified">{modified}</time></dd>
</dl></section>
</main>
{_footer(page.footer_year)}
<script src="https://www.canada.ca/etc/designs/canada/wet-boew/js/wet-boew.min.js"></script>
<script src="https://www.canada.ca/etc/designs/canada/wet-boew/js/theme.min.js"></script>
</body>
</html>
""".encode()


def page_bytes(index: int, variant: int = 1) -> bytes:
    """The bytes of page ``index`` in ``variant``."""
    return render(spec(index, variant))


def etag(body: bytes) -> str:
    """A strong ETag for ``body``."""
    return '"' + hashlib.sha256(body).hexdigest()[:20] + '"'


def last_modified(index: int, variant: int) -> str:
    """The Last-Modified header of page ``index`` in ``variant``."""
    changed = variant == 2 and plan(index) != "same"
    return formatdate(BASE_TIME + index + (86400 * 30 if changed else 0), usegmt=True)


def expected_events(n: int) -> int:
    """How many change events pass 3 must report over pages ``0..n-1`` (one per fact edit)."""
    return sum(1 for i in range(n) if plan(i) in FACT_EDITS)


def noise_pages(n: int) -> int:
    """How many pages change only in their boilerplate in variant 2."""
    return sum(1 for i in range(n) if plan(i) == "noise")
