"""The registry of fact extractors: ``@extractor("name")`` adds one to :data:`EXTRACTORS`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from model.facts import Fact
from parsers.analysis import Analysis

ExtractorFn = Callable[[Analysis], Iterable[Fact]]


@dataclass(frozen=True)
class ExtractorSpec:
    """A registered extractor: its name, the kind of facts it finds, and the function."""

    name: str
    kind: str
    fn: ExtractorFn

    def run(self, analysis: Analysis) -> list[Fact]:
        """Run the extractor; every fact gets ``rule`` set to the extractor's name.

        Extractors name themselves on the facts they build, so no fact is copied here.
        """
        return [f if f.rule == self.name else replace(f, rule=self.name) for f in self.fn(analysis)]


EXTRACTORS: dict[str, ExtractorSpec] = {}


def extractor(name: str, kind: str = "") -> Callable[[ExtractorFn], ExtractorFn]:
    """Register a pure function ``(Analysis) -> Iterable[Fact]`` under ``name``.

    The :class:`~parsers.analysis.Analysis` holds the document (``.doc``) and its
    sentences, each with the features the pre-checks test.
    """

    def register(fn: ExtractorFn) -> ExtractorFn:
        if name in EXTRACTORS:
            raise ValueError(f"an extractor named {name!r} is already registered")
        EXTRACTORS[name] = ExtractorSpec(name, kind, fn)
        return fn

    return register
