"""Extraction: authored documents rendered to PDF, HTML and DOCX, and their sentences recovered.

    python -m argmine.bench.extraction          (needs the dev extra: reportlab, trafilatura)

Each layout of ``bench.article`` (one, two and three columns, a full-width abstract,
running headers, page numbers, hyphenated line ends, a footnote; HTML with and without
semantic tags around navigation, a cookie banner, comments and a footer; DOCX with a
table) is rendered, extracted, segmented, and scored: the share of authored sentences
found whole (equal to one segmented sentence) and in order, and how many segmented
sentences are boilerplate. The seed article ``annotations/documents/kz-egov.txt`` is
rendered as a two-column PDF and scored the same way against its own segmentation.
For HTML, trafilatura's output is scored beside argmine's extractor.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from argmine.bench import article as A
from argmine.bench.render import PdfLayout, render_docx, render_html, render_pdf
from argmine.extraction import extract
from argmine.models.segment import segment

KZ_EGOV = Path(__file__).resolve().parents[1] / "annotations" / "documents" / "kz-egov.txt"
_BULLET = re.compile(r"^[-\u2022*]\s+")
TABLE = [["Year", "Petitions answered"], ["2024", "Two thousand one hundred"]]

PDF_LAYOUTS: dict[str, PdfLayout] = {
    "pdf one column": PdfLayout(1, title=A.TITLE),
    "pdf two columns": PdfLayout(2, title=A.TITLE),
    "pdf two columns under abstract": PdfLayout(2, title=A.TITLE, abstract=A.ABSTRACT),
    "pdf three columns under abstract": PdfLayout(3, title=A.TITLE, abstract=A.ABSTRACT),
    "pdf headers, page numbers, footnote (A5, 3 pages)": PdfLayout(
        1, title=A.TITLE, header=A.HEADER, page_numbers=True, footnote=A.FOOTNOTE, page=(420, 595)),
    "pdf two columns justified, with spaces": PdfLayout(2, title=A.TITLE, abstract=A.ABSTRACT, justify=True),
    "pdf three columns justified, with spaces": PdfLayout(3, title=A.TITLE, justify=True, gutter=14),
    "pdf two columns, all of it (A5)": PdfLayout(
        2, title=A.TITLE, abstract=A.ABSTRACT, header=A.HEADER, page_numbers=True, footnote=A.FOOTNOTE,
        page=(420, 595), body_size=9, gutter=14),
}
PDF_BOILERPLATE = [A.HEADER, "Volume 4, Issue 2"]


@dataclass(frozen=True)
class Recovery:
    authored: int
    found: int  # whole and in order
    boilerplate: int  # segmented sentences holding boilerplate text

    @property
    def share(self) -> float:
        return self.found / self.authored if self.authored else 0.0


def _norm(sentence: str) -> str:
    return _BULLET.sub("", " ".join(sentence.split()))


def recover(authored: list[str], text: str, boilerplate: list[str] = ()) -> Recovery:
    """Authored sentences found as whole segmented sentences, in order (greedy)."""
    got = [_norm(s.text) for s in segment(text)]
    cursor = found = 0
    for sentence in map(_norm, authored):
        try:
            at = got.index(sentence, cursor)
        except ValueError:
            continue
        found, cursor = found + 1, at + 1
    bad = sum(1 for s in got for b in boilerplate if b in s or (b.isdigit() and s == b))
    return Recovery(len(authored), found, bad)


def pdf_cases() -> dict[str, tuple[bytes, list[str]]]:
    cases = {}
    for name, layout in PDF_LAYOUTS.items():
        expected = A.sentences(with_abstract=layout.abstract is not None)
        if layout.footnote:
            expected = expected + ["1 " + A.FOOTNOTE]  # after the body, apart from it
        cases[name] = (render_pdf(A.BODY, layout), expected)
    return cases


def html_cases() -> dict[str, tuple[bytes, list[str]]]:
    expected = A.sentences(with_abstract=False)
    return {f"html {kind}": (render_html(A.TITLE, A.BODY, semantic).encode(), expected)
            for kind, semantic in (("semantic tags", True), ("div soup", False))}


def docx_case() -> tuple[bytes, list[str]]:
    return render_docx(A.TITLE, A.BODY, TABLE), A.sentences(with_abstract=False) + [c for row in TABLE for c in row]


def kz_egov_blocks(text: str) -> list[tuple[str, list[str]]]:
    """The seed article's paragraphs; short lines without a full stop become headings."""
    blocks = []
    for paragraph in text.split("\n\n"):
        paragraph = " ".join(paragraph.split())
        if not paragraph:
            continue
        heading = len(paragraph.split()) <= 10 and paragraph[-1] not in ".:;,!?"
        blocks.append(("heading" if heading else "paragraph", [paragraph]))
    return blocks


def kz_egov_pdf() -> tuple[bytes, list[str]]:
    text = KZ_EGOV.read_text(encoding="utf-8")
    layout = PdfLayout(2, header="Seed article rendered for argmine", page_numbers=True)
    return render_pdf(kz_egov_blocks(text), layout), [s.text for s in segment(text)]


def _trafilatura(data: bytes) -> str:
    import trafilatura

    out = trafilatura.extract(data.decode(), include_comments=False, include_tables=False, favor_precision=True)
    return "\n\n".join((out or "").split("\n"))  # its lines are paragraphs: make them units


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args(argv)
    rows: list[tuple[str, str, Recovery]] = []
    for name, (data, expected) in pdf_cases().items():
        rows.append((name, "argmine", recover(expected, extract(data, "application/pdf").text, PDF_BOILERPLATE)))
    readers: dict[str, Callable[[bytes], str]] = {"argmine": lambda d: extract(d, "text/html").text,
                                                  "trafilatura": _trafilatura}
    for name, (data, expected) in html_cases().items():
        for reader, read in readers.items():
            rows.append((name, reader, recover(expected, read(data), A.BOILERPLATE_HTML)))
    data, expected = docx_case()
    rows.append(("docx with a table", "argmine", recover(expected, extract(data, filename="a.docx").text)))
    data, expected = kz_egov_pdf()
    rows.append(("kz-egov.txt as a two-column pdf", "argmine",
                 recover(expected, extract(data, "application/pdf").text, ["Seed article rendered"])))
    print("| document | extractor | authored sentences | found whole, in order | share | boilerplate sentences |")
    print("|---|---|---:|---:|---:|---:|")
    for name, reader, r in rows:
        print(f"| {name} | {reader} | {r.authored} | {r.found} | {r.share:.1%} | {r.boilerplate} |")


if __name__ == "__main__":
    main()
