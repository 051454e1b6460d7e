"""The registry of fact extractors: ``@extractor("name")`` adds one to :data:`EXTRACTORS`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from parsers.model import Document, Fact

ExtractorFn = Callable[[Document], Iterable[Fact]]


@dataclass(frozen=True)
class ExtractorSpec:
    """A registered extractor: its name, the kind of facts it finds, and the function."""

    name: str
    kind: str
    fn: ExtractorFn

    def run(self, doc: Document) -> list[Fact]:
        """Run the extractor; every fact gets ``rule`` set to the extractor's name."""
        return [f if f.rule == self.name else replace(f, rule=self.name) for f in self.fn(doc)]


EXTRACTORS: dict[str, ExtractorSpec] = {}


def extractor(name: str, kind: str = "") -> Callable[[ExtractorFn], ExtractorFn]:
    """Register a pure function ``(Document) -> Iterable[Fact]`` under ``name``."""

    def register(fn: ExtractorFn) -> ExtractorFn:
        if name in EXTRACTORS:
            raise ValueError(f"an extractor named {name!r} is already registered")
        EXTRACTORS[name] = ExtractorSpec(name, kind, fn)
        return fn

    return register
