"""The registry of fact kinds: each declares its values, comparison, notes and wording.

A kind is a class registered with :func:`register` (a decorator that fills
:data:`KINDS`). It says whether its changes alert by default (``alert``),
whether pages state facts of it (``fact``; ``extraction`` and ``link`` are
events only), whether a watch's own pattern rules may yield it (``rule``), whether its
facts are stated for a reference period such as a year (``has_period``),
whether a fact of it describes a whole structure (a list, a table) rather
than one sentence (``aggregate``), what its changes are called when counted
(``counted_as``: fact change, link change), whether facts of it are compared
across sources (``compared``: a page and the statements it cites, a language
pair), and how its values:

* compare (:meth:`Kind.same`) and differ (:meth:`Kind.delta`: members added
  and removed), and what a difference means (:meth:`Kind.note`);
* agree when two sources state them (:meth:`Kind.agrees`: "over 11 million"
  agrees with "12 million", "March 2022" with "2022-03-24");
* unite when one statement is split over a section (:meth:`Kind.unite`);
* read in words (:meth:`Kind.format_value`, :meth:`Kind.describe`).

Everything else asks the registry (:func:`kind_of`) instead of testing kind
names, so a new kind is one class here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from model.changes import Change
from model.facts import Fact

Value = dict[str, Any]
_SCALES = ((1_000_000_000, "billion"), (1_000_000, "million"))
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")  # fmt: skip


def format_amount(amount: float | int) -> str:
    """29400000 -> "29.4 million"; 1000 -> "1,000"."""
    for size, word in _SCALES:
        if abs(amount) >= size:
            scaled = f"{amount / size:.3f}".rstrip("0").rstrip(".")
            return f"{scaled} {word}"
    if float(amount).is_integer():
        return f"{int(amount):,}"
    return f"{amount:,}"


def date_words(iso_date: str) -> str:
    """ "2020-03" -> "March 2020"; "2020-03-05" -> "March 5, 2020"; anything else as is."""
    parts = iso_date.split("-")
    if len(parts) < 2 or not all(p.isdigit() for p in parts) or not 1 <= int(parts[1]) <= 12:
        return iso_date
    month = _MONTHS[int(parts[1]) - 1]
    if len(parts) == 2:
        return f"{month} {parts[0]}"
    return f"{month} {int(parts[2])}, {parts[0]}"


def _same_values(a: Value, b: Value) -> bool:
    from deepdiff import DeepDiff  # imported on first comparison only

    return not DeepDiff(a, b, ignore_order=True)


class Kind:
    """A fact kind; the defaults suit a kind whose values are plain mappings."""

    name: ClassVar[str] = ""
    alert: ClassVar[bool] = True
    fact: ClassVar[bool] = True
    rule: ClassVar[bool] = False
    has_period: ClassVar[bool] = False
    aggregate: ClassVar[bool] = False
    counted_as: ClassVar[str] = "fact change"
    compared: ClassVar[bool] = True

    def same(self, a: Value, b: Value) -> bool:
        """Whether two values state the same thing (order of lists ignored)."""
        return _same_values(a, b)

    def delta(self, a: Value, b: Value) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """``(added, removed)`` items from value ``a`` to ``b`` (none for most kinds)."""
        return (), ()

    def agrees(self, a: Value, b: Value) -> bool:
        """Whether two sources stating ``a`` and ``b`` say the same (see :meth:`same`)."""
        return self.same(a, b)

    def items(self, value: Value) -> tuple[str, ...]:
        """The items a value lists (a group's members); ``()`` for most kinds."""
        return ()

    def note(self, a: Fact, b: Fact) -> str | None:
        """What a change from fact ``a`` to ``b`` means, when it means more than "changed"."""
        return None

    def unite(self, a: Value, b: Value) -> Value | None:
        """One value stating both, when two statements of one subject add up; else None."""
        return None

    def alert_kind(self, change: Change) -> str:
        """The ``alert_on`` kind of a change of this kind."""
        return self.name

    def format_value(self, value: Value | None, *, human_dates: bool = False) -> str:
        """A value in words."""
        if value is None:
            return "-"
        return ", ".join(f"{k}: {v}" for k, v in value.items())

    def describe(self, change: Change, *, human_dates: bool = False) -> str:
        """One plain sentence for a change event of this kind."""
        before = self.format_value(change.before, human_dates=human_dates)
        after = self.format_value(change.after, human_dates=human_dates)
        if change.change == "added":
            return f"{change.subject}: {after} (new)"
        if change.change == "removed":
            return f"{change.subject}: {before} (no longer stated)"
        return f"{change.subject}: {before} -> {after}{self.suffix(change)}"

    def suffix(self, change: Change) -> str:
        """Words after "before -> after" (a figure's period, say)."""
        return ""


KINDS: dict[str, Kind] = {}


def register(cls: type[Kind]) -> type[Kind]:
    """Class decorator: register one instance of ``cls`` under its ``name``."""
    if not cls.name or cls.name in KINDS:
        raise ValueError(f"kind name {cls.name!r} is empty or already registered")
    KINDS[cls.name] = cls()
    return cls


_GENERIC = Kind()


def kind_of(name: str) -> Kind:
    """The registered kind ``name`` (a plain generic kind for an unknown name)."""
    return KINDS.get(name, _GENERIC)


def alert_kinds() -> tuple[str, ...]:
    """Every kind name ``alert_on`` accepts."""
    return tuple(KINDS)


def default_alert_on() -> tuple[str, ...]:
    """The kinds that alert when a watch does not say (``alert_on``)."""
    return tuple(name for name, kind in KINDS.items() if kind.alert)


def fact_kinds() -> tuple[str, ...]:
    """The kinds pages state facts of (the others are events only)."""
    return tuple(name for name, kind in KINDS.items() if kind.fact)


def rule_kinds() -> tuple[str, ...]:
    """The kinds a watch's own pattern rules may yield."""
    return tuple(name for name, kind in KINDS.items() if kind.rule)


def describe(change: Change, *, human_dates: bool = False) -> str:
    """One plain sentence for a change event (dates as "March 2020" with ``human_dates``)."""
    return kind_of(change.kind).describe(change, human_dates=human_dates)


def tally(changes: Iterable[Change]) -> str:
    """How many changes of each sort: ``"2 fact changes, 1 link change"`` (``"0 fact changes"``)."""
    counts: dict[str, int] = {}
    for change in changes:
        noun = kind_of(change.kind).counted_as
        counts[noun] = counts.get(noun, 0) + 1
    if not counts:
        return "0 fact changes"
    return ", ".join(f"{n} {noun}{'' if n == 1 else 's'}" for noun, n in counts.items())


def format_value(kind: str, value: Value | None, *, human_dates: bool = False) -> str:
    """A value of ``kind`` in words: members joined, "over 11 million notifications", a date."""
    return kind_of(kind).format_value(value, human_dates=human_dates)


def alert_kind(change: Change) -> str:
    """The ``alert_on`` kind of a change (see :meth:`Kind.alert_kind`)."""
    return kind_of(change.kind).alert_kind(change)


@register
class Membership(Kind):
    """Who belongs to a group: ``{"members": [...]}``."""

    name = "membership"
    rule = True
    aggregate = True

    def items(self, value: Value) -> tuple[str, ...]:
        return tuple(value.get("members", ()))

    def delta(self, a: Value, b: Value) -> tuple[tuple[str, ...], tuple[str, ...]]:
        old, new = set(self.items(a)), set(self.items(b))
        return tuple(sorted(new - old)), tuple(sorted(old - new))

    def unite(self, a: Value, b: Value) -> Value | None:
        return {"members": sorted({*self.items(a), *self.items(b)})}

    def format_value(self, value: Value | None, *, human_dates: bool = False) -> str:
        return "-" if value is None else ", ".join(self.items(value))

    def describe(self, change: Change, *, human_dates: bool = False) -> str:
        before = len(self.items(change.before or {}))
        after = len(self.items(change.after or {}))
        if change.change == "added":
            return f"{change.subject}: new group with {after} members ({', '.join(change.added)})"
        if change.change == "removed":
            return f"{change.subject}: no longer listed (had {before} members)"
        parts = [f"{', '.join(change.added)} added"] if change.added else []
        parts += [f"{', '.join(change.removed)} removed"] if change.removed else []
        return f"{change.subject}: {'; '.join(parts)} ({before} -> {after} members)"


@register
class Figure(Kind):
    """An amount with its qualifier and unit: ``{"amount", "qualifier", "unit", ...}``."""

    name = "figure"
    rule = True
    has_period = True

    def note(self, a: Fact, b: Fact) -> str | None:
        if a.period and b.period and a.period != b.period:
            return "new-period"
        rest_a = {k: v for k, v in a.value.items() if k != "qualifier"}
        rest_b = {k: v for k, v in b.value.items() if k != "qualifier"}
        if rest_a == rest_b:
            return "qualifier"
        if a.period and a.period == b.period:
            return "correction"
        return None

    def format_value(self, value: Value | None, *, human_dates: bool = False) -> str:
        if value is None:
            return "-"
        amount = value.get("amount")
        text = format_amount(amount) if isinstance(amount, int | float) else str(amount)
        if value.get("amount_max") is not None:
            text = f"{text} to {format_amount(value['amount_max'])}"
        if value.get("percent"):
            text += "%"
        if value.get("currency"):
            text = f"{value['currency']} {text}"
        if value.get("qualifier"):
            text = f"{value['qualifier']} {text}"
        return text

    def agrees(self, a: Value, b: Value) -> bool:
        """Amounts agree when the ranges their qualifiers allow overlap ("over 6 million"
        agrees with 6.5 million, not with 5 million); percentages and currencies must match."""
        if bool(a.get("percent")) != bool(b.get("percent")):
            return False
        if a.get("currency") and b.get("currency") and a["currency"] != b["currency"]:
            return False
        low_a, high_a = amount_range(a)
        low_b, high_b = amount_range(b)
        return low_a <= high_b and low_b <= high_a

    def suffix(self, change: Change) -> str:
        if change.note == "new-period":
            return f" (new figure for {change.period_after}; was for {change.period_before})"
        if change.note == "correction":
            return f" (correction for {change.period_after})"
        return ""


_AT_LEAST = frozenset({"over", "more than", "at least", "upwards of"})
_AT_MOST = frozenset({"up to", "fewer than", "less than"})
_JUST_UNDER = frozenset({"nearly", "almost"})
_ROUGHLY = frozenset({"about", "approximately"})
_SLACK = 0.1


def amount_range(value: Value) -> tuple[float, float]:
    """The amounts a figure's value allows: its qualifier widens the stated amount.

    "over 6 million" is 6 million or more, "up to 5" at most 5, "nearly 100"
    between 90 and 100, "about 20" between 18 and 22; an unqualified amount
    (or a range "5 to 7") is what it says.
    """
    amount = value.get("amount")
    if not isinstance(amount, int | float):
        return (float("-inf"), float("inf"))
    low = float(amount)
    high = float(value["amount_max"]) if value.get("amount_max") is not None else low
    qualifier = value.get("qualifier")
    if qualifier in _AT_LEAST:
        return (low, float("inf"))
    if qualifier in _AT_MOST:
        return (float("-inf"), high)
    if qualifier in _JUST_UNDER:
        return (low * (1 - _SLACK), high)
    if qualifier in _ROUGHLY:
        return (low * (1 - _SLACK), high * (1 + _SLACK))
    return (low, high)


PAGE_MODIFIED = "page-modified"
_PAGE_MODIFIED_SUBJECTS = frozenset({"date modified", "page modified", "date de modification"})


@register
class Date(Kind):
    """A date at the precision the text gives: ``{"date": "2022-03"[, "date_end": ...]}``."""

    name = "date"
    rule = True

    def alert_kind(self, change: Change) -> str:
        """The page's own "Date modified" stamp moves with every edit: ``page-modified``."""
        if change.subject.strip().casefold() in _PAGE_MODIFIED_SUBJECTS:
            return PAGE_MODIFIED
        return self.name

    def agrees(self, a: Value, b: Value) -> bool:
        """Dates agree at the precision both give: "2022-03" agrees with "2022-03-24".

        An end date is compared only when both give one.
        """
        if not _same_at_precision(a.get("date"), b.get("date")):
            return False
        ends = a.get("date_end"), b.get("date_end")
        return None in ends or _same_at_precision(*ends)

    def format_value(self, value: Value | None, *, human_dates: bool = False) -> str:
        if value is None:
            return "-"
        show: Callable[[str], str] = date_words if human_dates else str
        start, end = str(value.get("date")), value.get("date_end")
        return f"{show(start)} to {show(str(end))}" if end else show(start)


def _same_at_precision(a: object, b: object) -> bool:
    """Two ISO dates (or absent) agree when the shorter is a prefix of the longer."""
    if a is None or b is None:
        return a is None and b is None
    short, long = sorted((str(a), str(b)), key=len)
    return long == short or long.startswith(short + "-")


@register
class PageModified(Date):
    """The page's own modification stamp: recorded as a date, alerted only when asked."""

    name = PAGE_MODIFIED
    alert = False
    fact = False
    rule = False


@register
class Extraction(Kind):
    """Extraction health: most facts vanished at once (the page changed structure)."""

    name = "extraction"
    fact = False
    counted_as = "extraction warning"

    def describe(self, change: Change, *, human_dates: bool = False) -> str:
        return change.subject


@register
class Link(Kind):
    """A statement the page started or stopped citing: ``{"url", "text"}``."""

    name = "link"
    fact = False
    counted_as = "link change"

    def describe(self, change: Change, *, human_dates: bool = False) -> str:
        """``link added: 'Joint statement' (https://...)``; ``link removed: ...``."""
        link = change.after if change.change == "added" else change.before
        url, text = (link or {}).get("url"), (link or {}).get("text")
        what = f"'{text}' ({url})" if text and url else f"{url or change.subject}"
        return f"link {change.change}: {what}"


def _entry_label(entry: Value) -> str:
    title, date = str(entry.get("title") or "").strip(), entry.get("date")
    return f"{title} ({date})" if date else title


@register
class Collection(Kind):
    """The entries of a news list or change log: ``{"entries": [{"date", "title"}, ...]}``.

    Recorded, and alerted only when a watch asks (``alert_on: [collection]``):
    a list that grows at the top is news, not a change of what the page states.
    """

    name = "collection"
    alert = False
    aggregate = True
    compared = False

    def items(self, value: Value) -> tuple[str, ...]:
        return tuple(_entry_label(e) for e in value.get("entries", ()))

    def delta(self, a: Value, b: Value) -> tuple[tuple[str, ...], tuple[str, ...]]:
        old, new = self.items(a), self.items(b)
        return tuple(e for e in new if e not in old), tuple(e for e in old if e not in new)

    def format_value(self, value: Value | None, *, human_dates: bool = False) -> str:
        if value is None:
            return "-"
        count = len(value.get("entries", ()))
        return f"{count} {'entry' if count == 1 else 'entries'}"

    def describe(self, change: Change, *, human_dates: bool = False) -> str:
        if change.change == "added":
            return f"'{change.subject}': new list of {self.format_value(change.after)}"
        if change.change == "removed":
            return f"'{change.subject}': list no longer shown"
        parts = []
        if change.added:
            parts.append(f"{_count(change.added)} added to '{change.subject}'")
            parts.append(f"newest: {self._newest(change, human_dates)}")
        if change.removed:
            parts.append(f"{_count(change.removed)} removed from '{change.subject}'")
        return "; ".join(parts) or f"'{change.subject}': entries reworded"

    @staticmethod
    def _newest(change: Change, human_dates: bool) -> str:
        entries = (change.after or {}).get("entries", [])
        entry: Value = next((e for e in entries if _entry_label(e) == change.added[0]), {})
        date, title = entry.get("date"), entry.get("title") or change.added[0]
        shown = date_words(date) if date and human_dates else date
        return f"{shown}, '{title}'" if shown else f"'{title}'"


def _count(items: tuple[str, ...]) -> str:
    return f"{len(items)} {'entry' if len(items) == 1 else 'entries'}"


@register
class TableShown(Kind):
    """A whole table of figures that appeared or was withdrawn: one event, not one per cell.

    ``{"rows": 7, "figures": 14}``; the evidence is the table's first row.
    """

    name = "table"
    fact = False

    def format_value(self, value: Value | None, *, human_dates: bool = False) -> str:
        if value is None:
            return "-"
        rows, figures = value.get("rows", 0), value.get("figures", 0)
        return (
            f"{rows} row{'s' if rows != 1 else ''}, {figures} figure{'s' if figures != 1 else ''}"
        )

    def describe(self, change: Change, *, human_dates: bool = False) -> str:
        if change.change == "added":
            return f"New table '{change.subject}' ({self.format_value(change.after)})"
        return f"Table '{change.subject}' withdrawn ({self.format_value(change.before)})"


# -- findings: what two sources say side by side ---------------------------------------

_RESOLUTIONS = {
    "agree": "agree again",
    "unlinked": "no longer state it alike (one of the facts is gone)",
    "not-compared": "are no longer compared",
}


def _side_value(detail: Value, side: Value, *, unit: bool, human_dates: bool) -> str:
    """A side's value in words: "19", "21 companies", "9 members", "March 2024"."""
    fact_kind = kind_of(str(detail.get("fact_kind", "")))
    value = side.get("value") or {}
    if fact_kind.aggregate:
        count = len(fact_kind.items(value))
        return f"{count} member{'' if count == 1 else 's'}"
    text = fact_kind.format_value(value, human_dates=human_dates)
    if unit and value.get("unit"):
        text = f"{text} {value['unit']}"
    return text


def _side_when(side: Value) -> str:
    """When a source says it: "since 2023-06-09" (its stamp), "2022-03-24" (its date),
    "seen since 2026-12-01" (first observed)."""
    since, basis = side.get("since"), side.get("basis")
    if not since:
        return ""
    if basis == "published":
        return str(since)
    return f"since {since}" if basis == "modified" else f"seen since {since}"


def _members_note(detail: Value) -> str:
    """ "only the page lists Australia; only the statement lists Italy" for memberships."""
    fact_kind = kind_of(str(detail.get("fact_kind", "")))
    left, right = detail["sides"]
    added, removed = fact_kind.delta(left.get("value") or {}, right.get("value") or {})
    notes = [f"only {right['label']} lists {', '.join(added)}"] if added else []
    notes += [f"only {left['label']} lists {', '.join(removed)}"] if removed else []
    return "; ".join(notes)


def _moved(detail: Value, old: Value, new: Value) -> str:
    """ " (Italy added; France removed)" between two sides' members; "" for other kinds."""
    fact_kind = kind_of(str(detail.get("fact_kind", "")))
    added, removed = fact_kind.delta(old.get("value") or {}, new.get("value") or {})
    parts = [f"{', '.join(added)} added"] if added else []
    parts += [f"{', '.join(removed)} removed"] if removed else []
    return f" ({'; '.join(parts)})" if parts else ""


def _resolved(change: Change, detail: Value) -> str:
    left, right = detail["sides"]
    words = _RESOLUTIONS.get(change.note or "", "agree again")
    agreed = ""
    if change.note == "agree" and change.after:
        now = change.after
        agreed = f" ({_side_value(now, now['sides'][0], unit=True, human_dates=False)})"
    return f"{change.subject}: resolved, {left['label']} and {right['label']} {words}{agreed}"


class _FindingKind(Kind):
    """A finding's events (not a fact of a page): opened or changed, then resolved."""

    counted_as = "finding"
    alert = False
    fact = False

    def describe(self, change: Change, *, human_dates: bool = False) -> str:
        if change.change == "removed":
            return _resolved(change, change.before or {})
        return self.describe_open(change, change.after or {}, human_dates)

    def describe_open(self, change: Change, detail: dict[str, Any], human_dates: bool) -> str:
        """The finding as it stands (opened or changed)."""
        raise NotImplementedError


@register
class Discrepancy(_FindingKind):
    """Two sources state one fact differently (a page and a statement it cites).

    The event's value is the finding: both sides (value, evidence, source,
    the date each says it since) and whether time explains the difference.
    Recorded, and alerted only when a watch asks (``alert_on: [discrepancy]``).
    """

    name = "discrepancy"

    def describe_open(self, change: Change, detail: dict[str, Any], human_dates: bool) -> str:
        left, right = detail["sides"]
        parts = []
        for side in (left, right):
            when = ", ".join(w for w in (side["label"], _side_when(side)) if w)
            parts.append(
                f"{_side_value(detail, side, unit=False, human_dates=human_dates)} ({when})"
            )
        notes = [n for n in (_members_note(detail), detail.get("explanation")) if n]
        text = f"{change.subject}: {parts[0]} vs {parts[1]}"
        return f"{text}: {'; '.join(notes)}" if notes else text


@register
class Parity(_FindingKind):
    """A fact updated in one language and not in the other within ``parity_window``.

    Recorded, and alerted only when a watch asks (``alert_on: [parity]``).
    """

    name = "parity"

    def describe_open(self, change: Change, detail: dict[str, Any], human_dates: bool) -> str:
        sides = detail["sides"]
        lag = detail.get("lagging")
        if lag not in (0, 1):
            said = "; ".join(
                f"{s['label']}: {_side_value(detail, s, unit=True, human_dates=human_dates)}"
                for s in sides
            )
            return f"{change.subject}: {said}"
        lead, behind = sides[1 - lag], sides[lag]
        ahead = _side_value(detail, lead, unit=True, human_dates=human_dates)
        ahead += _moved(detail, behind, lead)
        when = f" {_side_when(lead)}" if _side_when(lead) else ""
        still = _side_value(detail, behind, unit=False, human_dates=human_dates)
        return f"{change.subject}: {lead['label']}: {ahead}{when}; {behind['label']} still {still}"
