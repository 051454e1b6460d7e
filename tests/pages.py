"""Build Canada.ca-style HTML pages for the tests from plain text.

The seed page's text ships in ``tests/fixtures``; :func:`seed_html` wraps it
in the markup of a real Government of Canada page (skip links, header, menus,
breadcrumbs, a ``<main>``, a "Date modified" block and a footer), so parsers
are tested on the same noise they meet in production.
"""

from __future__ import annotations

import html
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"
SEED_TEXT = FIXTURES / "seed-international-efforts-en.txt"
SEED_URL_PATH = "/cnt/cntrng-crm/chld-sxl-xplttn-ntrnt/ntrntnl-ffrts-en.aspx"

LINKS = {
    "G7 Interior and Security Ministers' Statement": "/statements/g7-interior-2022.pdf",
    "Statement on the Second Anniversary of the Launch": "/statements/five-country-2022.html",
}


def seed_text() -> str:
    """The seed page's text as published."""
    return SEED_TEXT.read_text(encoding="utf-8")


def _linkify(escaped: str) -> str:
    for label, href in LINKS.items():
        label_html = html.escape(label, quote=False)
        if label_html in escaped:
            escaped = escaped.replace(label_html, f'<a href="{href}">{label_html}</a>', 1)
    return escaped


def text_to_main(text: str) -> str:
    """Turn the seed's text layout into ``<main>`` markup.

    The first line is the ``<h1>``; the entries of "On This Page:" are the
    ``<h2>`` headings; lines starting with "- " are list items; the rest are
    paragraphs. A trailing "- Date modified:" line is dropped (the page
    template renders it).
    """
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()]
    title, rest = lines[0], lines[1:]
    headings: set[str] = set()
    out = [f'<h1 property="name" id="wb-cont">{html.escape(title)}</h1>']
    list_open = False
    in_toc = False
    for line in rest:
        if line.startswith("- Date modified"):
            continue
        is_item = line.startswith("- ")
        body = line[2:] if is_item else line
        if line == "On This Page:":
            in_toc = True
            out.append('<section class="toc"><h2 class="h5">On This Page:</h2>')
            out.append("<ul>")
            list_open = True
            continue
        if in_toc and is_item:
            headings.add(body)
            anchor = body.lower().replace(" ", "-")
            out.append(f'<li><a href="#{anchor}">{html.escape(body)}</a></li>')
            continue
        if in_toc:
            out.append("</ul></section>")
            list_open = in_toc = False
        if is_item and not list_open:
            out.append("<ul>")
            list_open = True
        if not is_item and list_open:
            out.append("</ul>")
            list_open = False
        escaped = _linkify(html.escape(body, quote=False))
        if body in headings:
            out.append(f'<h2 id="{body.lower().replace(" ", "-")}">{escaped}</h2>')
        elif is_item:
            out.append(f"<li>{escaped}</li>")
        else:
            out.append(f"<p>{escaped}</p>")
    if list_open:
        out.append("</ul>")
    return "\n".join(out)


def canada_page(
    main_html: str,
    *,
    title: str = "International Efforts and Cooperation",
    lang: str = "en",
    modified: str = "2023-06-09",
    menu_items: tuple[str, ...] = ("Jobs", "Immigration and citizenship", "Travel and tourism"),
    footer_year: int = 2024,
    token: str = "a1b2c3",
) -> str:
    """Wrap ``main_html`` in a Government of Canada page template."""
    menu = "\n".join(
        f'<li><a href="/{i.lower()[:4]}">{html.escape(i)}</a></li>' for i in menu_items
    )
    label = "Date modified:" if lang == "en" else "Date de modification :"
    return f"""<!DOCTYPE html>
<html class="no-js" lang="{lang}" dir="ltr">
<head>
<meta charset="utf-8">
<title>{html.escape(title)} - Public Safety Canada</title>
<meta name="dcterms.title" content="{html.escape(title)}">
<meta name="dcterms.modified" title="W3CDTF" content="{modified}">
<script>window.analytics = {{"token": "{token}", "page": "<p>not text</p>"}};</script>
<style>.hidden {{ display: none }}</style>
</head>
<body vocab="http://schema.org/" typeof="WebPage">
<nav><ul id="wb-tphp"><li><a href="#wb-cont">Skip to main content</a></li></ul></nav>
<header>
  <div id="wb-bnr"><a href="https://www.canada.ca/en.html">Government of Canada</a></div>
  <form action="/search" method="get"><input type="hidden" name="csrf" value="{token}">
  <input type="search" name="q" placeholder="Search Canada.ca"></form>
  <nav id="wb-sm"><h2>Menu</h2><ul>{menu}</ul></nav>
  <nav id="wb-bc"><h2>You are here:</h2><ol><li><a href="/">Home</a></li>
  <li><a href="/cnt/cntrng-crm/index-en.aspx">Countering crime</a></li></ol></nav>
</header>
<main property="mainContentOfPage" class="container" typeof="WebPageElement">
{main_html}
<section class="pagedetails"><h2 class="wb-inv">Page details</h2>
<dl id="wb-dtmd"><dt>{label}</dt><dd><time property="dateModified">{modified}</time></dd></dl>
</section>
</main>
<footer id="wb-info">
  <h2>About this site</h2>
  <ul><li><a href="/contact">Contact us</a></li><li><a href="/terms">Terms and conditions</a></li></ul>
  <p>&copy; His Majesty the King in Right of Canada, {footer_year}</p>
</footer>
<script src="/wet-boew.min.js"></script>
</body>
</html>
"""


def seed_html(text: str | None = None, **template: object) -> str:
    """The seed page (or ``text`` in the same layout) as a full Canada.ca page."""
    return canada_page(text_to_main(seed_text() if text is None else text), **template)  # type: ignore[arg-type]
