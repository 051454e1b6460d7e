"""Where a block sits: the section and position that order facts and name their section."""

from __future__ import annotations

from dataclasses import dataclass

from parsers.analysis import Analysis
from parsers.model import Document


@dataclass(frozen=True)
class Place:
    """A block's section (index and heading) and its position among the section's blocks."""

    section_index: int
    block_index: int
    heading: str

    def order(self, offset: int = 0) -> tuple[int, ...]:
        """The sort key of a fact stated here (as :meth:`parsers.text.Sentence.order`)."""
        return (self.section_index, self.block_index, 0, offset)


def places(analysis: Analysis) -> dict[int, Place]:
    """The place of every block of the analysed document, by block index (computed once)."""
    return analysis.once(("placing",), _places, analysis.doc)


def _places(doc: Document) -> dict[int, Place]:
    out = {}
    for s_index, section in enumerate(doc.sections):
        for b_index, block in enumerate(section.blocks):
            out[block.index] = Place(s_index, b_index, section.heading)
    return out


def place_of(analysis: Analysis, index: int) -> Place:
    """The place of the block at ``index`` (after every section when it has none)."""
    return places(analysis).get(index) or Place(len(analysis.doc.sections), 0, "")
