"""One unit of parsing work, picklable so a worker process can run it.

:func:`run_job` is what the check pipeline calls for every new body, in the
checking thread or, with ``scheduler.parse_processes``, in a worker process
that imports only this package.
"""

from __future__ import annotations

from dataclasses import dataclass

from model.facts import Fact
from parsers import extract_facts, parse_document
from parsers.model import Document
from parsers.rules import PatternRule


@dataclass(frozen=True)
class ParseJob:
    """A fetched body and what parsing it needs."""

    data: bytes
    content_type: str
    url: str
    charset: str | None = None
    select: str | None = None
    rules: tuple[PatternRule, ...] = ()
    extract: bool = True  # False: the document only (no facts)


def run_job(job: ParseJob) -> tuple[Document, list[Fact]]:
    """Parse the body and extract its facts (pure; raises ``ParseError``)."""
    doc = parse_document(
        job.data, content_type=job.content_type, url=job.url, charset=job.charset, select=job.select
    )
    return doc, extract_facts(doc, job.rules) if job.extract else []
