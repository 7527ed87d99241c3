"""The reading order of a PDF's lines, the layout logic argmine writes itself.

1. running headers, footers and page numbers go: a line in the top or bottom
   margin that repeats on other pages (digits ignored), is only a page number, or
   is set smaller than the body;
2. footnotes go apart: smaller type at the foot of the page, below the body;
3. columns are found per page from how the narrow lines cover the page's width;
   lines that cross a gutter (title, abstract, a wide caption) cut the page into
   bands, and each band is read column after column;
4. lines become units: headings by size or bold type, paragraphs by vertical
   gaps, indents and short last lines, list items by their bullet; a paragraph
   cut by a column or page break continues when its last line did not end a
   sentence, and a word hyphenated at a line end is joined.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from argmine.extraction.document import Extracted, Kind, TextBuilder

# Fractions of the page height that count as the top and bottom margin, where running
# headers, footers and page numbers live.
_MARGIN = 0.1
_PAGE_NUMBER = re.compile(r"^\W*(?:page\s+)?[0-9ivxlc]{1,5}(?:\s*(?:/|of)\s*\d{1,5})?\W*$", re.I)
_BULLET = re.compile(r"^(?:[-\u2022\u25aa\u25cf\u25e6*\u2013]|\(?\d{1,2}[.)]|\(?[a-z][.)])\s")
_FOOTNOTE_START = re.compile(r"^(?:\d{1,3}|[*\u2020\u2021\u00b9\u00b2\u00b3\u2070-\u2079]+)\s*\S")
_SENTENCE_END = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*(?:\[\d{1,3}\]|\d{1,3})?$")


@dataclass
class Line:
    """A run of words on one baseline in one column."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    bold: bool
    page: int
    # Filled in by the layout step: where the line sits on its page.
    column: int = 0
    band: int = 0
    left: float = 0.0  # the column's left and right edges
    right: float = 0.0

    @property
    def width(self) -> float:
        return self.x1 - self.x0


def is_bold(font: str) -> bool:
    """A bold, black or heavy face, by its name."""
    return bool(re.search(r"bold|black|heavy|semibold|demi", font, re.I))


# ---- 1. running headers, footers, page numbers; 2. footnotes ---------------------------------------
def _running_key(text: str) -> str:
    return re.sub(r"\d+", "#", text.lower()).strip()


def _strip_margins(pages: list[tuple[float, float, list[Line]]], body: float) -> list[list[Line]]:
    """Without running headers and footers: repeated (digits aside), a page number, or small type."""
    def in_margin(line: Line, height: float) -> bool:
        return line.bottom < _MARGIN * height or line.top > (1 - _MARGIN) * height

    seen = Counter()
    for _, height, lines in pages:
        seen.update({_running_key(line.text) for line in lines if in_margin(line, height)})
    kept: list[list[Line]] = []
    for _, height, lines in pages:
        kept.append([line for line in lines if not (in_margin(line, height) and (
            _PAGE_NUMBER.match(line.text) or line.size < 0.9 * body
            or (len(pages) > 1 and seen[_running_key(line.text)] > 1)))])
    return kept


def _split_footnotes(lines: list[Line], height: float, body: float) -> tuple[list[Line], list[Line]]:
    """Small type in the lower half of the page with no body text below it."""
    notes: list[Line] = []
    for line in sorted(lines, key=lambda l: l.top, reverse=True):
        if line.size >= 0.92 * body or line.top < 0.5 * height:
            break
        notes.append(line)
    body_lines = [line for line in lines if line not in notes]
    notes = [n for n in notes if not any(b.top > n.top and b.size >= 0.92 * body and b.x0 < n.x1 and n.x0 < b.x1
                                         for b in body_lines)]
    return [line for line in lines if line not in notes], sorted(notes, key=lambda l: (l.top, l.x0))


# ---- 3. columns and bands -----------------------------------------------------------------------------
def _gutters(lines: list[Line]) -> list[tuple[float, float]]:
    """x-ranges that (almost) no narrow line covers, with column text on both sides.

    Coverage is counted per point of x, so a centred title or a caption that crosses
    the gutter (one or two lines) does not close it; a gutter needs well-covered
    columns left and right of it, so the ragged right edge of one column is none.
    """
    if not lines:
        return []
    left, right = int(min(l.x0 for l in lines)), int(max(l.x1 for l in lines)) + 1
    narrow = [l for l in lines if l.width < 0.6 * (right - left)]
    if len(narrow) < 8:
        return []
    counts = [0] * (right - left + 1)
    for line in narrow:
        for x in range(int(line.x0) - left, int(line.x1) - left + 1):
            counts[x] += 1
    # A column may hold only a few lines (the end of an article), so "well covered" is modest.
    high, low = max(3, 0.1 * max(counts)), max(2, 0.08 * max(counts))
    gutters: list[tuple[float, float]] = []
    x = 0
    while x < len(counts):
        if counts[x] <= low:
            start = x
            while x < len(counts) and counts[x] <= low:
                x += 1
            if (x - start >= 6 and any(c >= high for c in counts[:start]) and any(c >= high for c in counts[x:])):
                gutters.append((left + start, left + x - 1))
        x += 1
    return gutters


def _borrowed_gutters(lines: list[Line], found: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    """Another page's gutters for a page too sparse to show its own (a last page), if its lines allow."""
    layouts = Counter(tuple(g) for g in found if g)
    for gutters, _ in layouts.most_common():
        crossing = sum(1 for l in lines for start, end in gutters if l.x0 < end and l.x1 > start)
        if crossing <= max(1, 0.1 * len(lines)):
            return list(gutters)
    return []


def _reading_order(lines: list[Line], gutters: list[tuple[float, float]]) -> list[Line]:
    if not gutters:
        left, right = (min(l.x0 for l in lines), max(l.x1 for l in lines)) if lines else (0, 0)
        for line in lines:
            line.left, line.right = left, right
        return sorted(lines, key=lambda l: (l.top, l.x0))
    edges = [min(l.x0 for l in lines)] + [x for g in gutters for x in g] + [max(l.x1 for l in lines)]
    spans = list(zip(edges[::2], edges[1::2]))  # each column's (left, right)

    def spanning(line: Line) -> bool:
        return any(line.x0 < start - 1 and line.x1 > end + 1 for start, end in gutters)

    ordered: list[Line] = []
    band: list[Line] = []
    number = 0

    def flush() -> None:
        for column, (left, right) in enumerate(spans):
            for line in sorted((l for l in band if left - 1 <= (l.x0 + l.x1) / 2 <= right + 1
                                or (column == 0 and (l.x0 + l.x1) / 2 < left)
                                or (column == len(spans) - 1 and (l.x0 + l.x1) / 2 > right)),
                               key=lambda l: l.top):
                line.column, line.band, line.left, line.right = column, number, left, right
                ordered.append(line)
        band.clear()

    for line in sorted(lines, key=lambda l: (l.top, l.x0)):
        if spanning(line):
            flush()
            number += 1
            line.band, line.column, line.left, line.right = number, -1, edges[0], edges[-1]
            ordered.append(line)
            number += 1
        else:
            band.append(line)
    flush()
    return ordered


# ---- 4. lines -> units ------------------------------------------------------------------------------------
@dataclass
class _Block:
    kind: Kind
    lines: list[Line]


def _ends_sentence(text: str) -> bool:
    return _SENTENCE_END.search(text.rstrip()) is not None


def _is_heading(line: Line, body: float) -> bool:
    short = len(line.text.split()) <= 14 and not line.text.rstrip().endswith((".", ",", ";"))
    return line.size >= 1.15 * body or (line.bold and short)


def _line_pitch(lines: list[Line], body: float) -> float:
    """The usual baseline-to-baseline distance of body lines, the yardstick for paragraph gaps."""
    pitches = sorted(b.top - a.top for a, b in zip(lines, lines[1:])
                     if (a.page, a.band, a.column) == (b.page, b.band, b.column) and 0 < b.top - a.top < 3 * body
                     and a.size == b.size == body)
    return pitches[len(pitches) // 2] if pitches else 1.2 * body


def _blocks(lines: list[Line], body: float) -> list[_Block]:
    pitch = _line_pitch(lines, body)
    blocks: list[_Block] = []
    for line in lines:
        prev = blocks[-1].lines[-1] if blocks else None
        heading = _is_heading(line, body)
        if prev is None:
            blocks.append(_Block("heading" if heading else "paragraph", [line]))
            continue
        same_place = (prev.page, prev.band, prev.column) == (line.page, line.band, line.column)
        last = blocks[-1]
        if heading or last.kind == "heading":
            # A title set over two lines stays one heading.
            joined = (heading and last.kind == "heading" and same_place and abs(prev.size - line.size) < 0.5
                      and line.top - prev.bottom < 0.8 * line.size)
            if joined:
                last.lines.append(line)
            else:
                blocks.append(_Block("heading" if heading else "paragraph", [line]))
            continue
        if _BULLET.match(line.text):
            blocks.append(_Block("list_item", [line]))
            continue
        if same_place:
            width = max(line.right - line.left, 1)
            new = (line.top - prev.top > pitch + 0.3 * line.size or line.top - prev.bottom > 0.8 * line.size
                   or (_ends_sentence(prev.text) and (prev.x1 < line.right - 0.12 * width
                                                      or line.x0 > line.left + 0.8 * line.size))
                   or (last.kind == "list_item" and line.x0 < last.lines[0].x0 + 0.5 * line.size
                       and line.text[:1].isupper() and _ends_sentence(prev.text)))
        else:
            # A column or page break: the paragraph goes on unless its last line ended a sentence
            # (a caption without a full stop at a column's foot runs into the next column: known).
            new = _ends_sentence(prev.text)
        if new:
            blocks.append(_Block("paragraph", [line]))
        else:
            last.lines.append(line)
    return blocks


_HYPHENATED = re.compile(r"(\w+)-$")


def _join(lines: list[Line], vocabulary: set[str]) -> list[tuple[str, int | None]]:
    """Lines of one unit as ``(text, page)`` pieces, hyphenated words joined."""
    pieces: list[tuple[str, int | None]] = []
    for i, line in enumerate(lines):
        text = line.text.strip()
        if i + 1 < len(lines):
            nxt = lines[i + 1].text.strip()
            m = _HYPHENATED.search(text)
            if m and nxt[:1].isupper():  # "Franco-" + "German": a compound's own hyphen, kept
                pieces.append((text, line.page))
                continue
            if m and nxt[:1].islower():
                head, tail = m.group(1), re.match(r"\w+", nxt)
                tail_word = tail.group(0) if tail else ""
                # Keep the hyphen of a compound the document spells with one elsewhere ("e-government").
                keep = f"{head}-{tail_word}".lower() in vocabulary and f"{head}{tail_word}".lower() not in vocabulary
                pieces.append((text if keep else text[:-1], line.page))
                continue
            pieces.append((text + " ", line.page))
        else:
            pieces.append((text, line.page))
    return pieces


def layout(pages: list[tuple[float, float, list[Line]]], count: int) -> Extracted:
    """``(width, height, lines)`` per page -> the document's text, units and pages, in reading order."""
    every = [line for _, _, lines in pages for line in lines]
    sizes = Counter()
    for line in every:
        sizes[line.size] += len(line.text)
    body = sizes.most_common(1)[0][0]
    ordered: list[Line] = []
    notes: list[Line] = []
    kept_pages = []
    for (_, height, _), lines in zip(pages, _strip_margins(pages, body)):
        kept, page_notes = _split_footnotes(lines, height, body)
        kept_pages.append(kept)
        notes.extend(page_notes)
    found = [_gutters(kept) for kept in kept_pages]
    for kept, gutters in zip(kept_pages, found):
        ordered.extend(_reading_order(kept, gutters or _borrowed_gutters(kept, found)))
    vocabulary = {w.lower().strip(".,;:()\"'") for line in every for w in line.text.split()}
    builder = TextBuilder()
    for block in _blocks(ordered, body):
        builder.add(_join(block.lines, vocabulary), block.kind)
    for note in _footnotes(notes):
        builder.add(_join(note, vocabulary), "footnote")
    return builder.build("pdf", count)


def _footnotes(lines: list[Line]) -> list[list[Line]]:
    """Footnote lines grouped into notes: a new note starts at its number or mark."""
    notes: list[list[Line]] = []
    for line in lines:
        if not notes or _FOOTNOTE_START.match(line.text) or line.page != notes[-1][-1].page:
            notes.append([line])
        else:
            notes[-1].append(line)
    return notes
