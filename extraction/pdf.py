"""PDF text in reading order: PDFium's characters in, argmine's layout logic on top.

pypdfium2 (PDFium, Apache-2.0/BSD) gives every character with its box, font and
size; the order a PDF stores them in is whatever its producer chose. Here characters
become words and words become line fragments: one baseline, cut where a gap is
wider than a word space could stretch (so two columns never merge into one line).
``pdf_layout`` then decides the reading order a person would use.
"""

from __future__ import annotations

import re
from collections import Counter

from argmine.extraction.document import Extracted
from argmine.extraction.errors import DamagedDocument, NoTextLayer, TooLong
from argmine.extraction.pdf_layout import Line, is_bold, layout

# A scan has at most a stray page number per page; fewer characters than this per page is no text layer.
_MIN_CHARS_PER_PAGE = 20


def read_pdf(data: bytes, max_chars: int | None = None) -> Extracted:
    """The text of a PDF in reading order; ``NoTextLayer`` for a scan, ``TooLong`` past ``max_chars``."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except Exception as exc:  # pdfium raises PdfiumError for damaged, encrypted or foreign files
        raise DamagedDocument(f"not a readable PDF ({type(exc).__name__}: {exc}); "
                              f"check the file is a complete, unencrypted PDF") from None
    try:
        pages = len(pdf)
        per_page: list[tuple[float, float, list[Line]]] = []
        for number in range(pages):
            page = pdf[number]
            try:
                width, height = page.get_size()
                words = _words(page, height)
            except Exception as exc:
                raise DamagedDocument(f"page {number + 1} of the PDF cannot be read ({exc})") from None
            finally:
                page.close()
            per_page.append((float(width), float(height), _lines(words, number + 1)))
            read = sum(len(line.text) + 1 for _, _, lines in per_page for line in lines)
            # Running headers and footnotes are still in: a little slack before refusing.
            if max_chars is not None and read > 1.1 * max_chars + 1000:
                raise TooLong(f"the PDF holds more than {max_chars:,} characters of text by page {number + 1} "
                              f"of {pages}; split it into parts")
    finally:
        pdf.close()
    chars = sum(len(line.text.replace(" ", "")) for _, _, lines in per_page for line in lines)
    if chars < _MIN_CHARS_PER_PAGE * max(pages, 1):
        raise NoTextLayer(f"the PDF has no text layer ({pages} page(s), {chars} characters of text): it is "
                          f"probably a scanned image; run OCR on it first (for example ocrmypdf) and send the result")
    return layout(per_page, pages)


# ---- characters -> words (pdfium) -----------------------------------------------------------
# pdfium marks a hyphen it saw at a line end with these; they are ordinary hyphens here.
# Ligatures ("\ufb01" for fi) are the letters they join, or "ofﬁcial" would match no word.
_HYPHENS = {"\x02": "-", "\xad": "-", "\ufffe": "-", "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl",
            "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st"}


def _words(page, height: float) -> list[dict]:
    """Words with their box (x0, x1, top, bottom from the page's top), size and font name.

    The box is the line box (baseline, ascent and descent from the font size), not the
    glyph's ink, so the words of one line share top and bottom whatever their letters.
    """
    import ctypes

    import pypdfium2.raw as raw

    textpage = page.get_textpage()
    try:
        words: list[dict] = []
        current: dict | None = None
        x, y = ctypes.c_double(), ctypes.c_double()
        name = ctypes.create_string_buffer(128)
        flags = ctypes.c_int()
        for i in range(textpage.count_chars()):
            char = textpage.get_text_range(i, 1)
            char = _HYPHENS.get(char, char)
            if raw.FPDFText_IsGenerated(textpage.raw, i) == 1 or not char or char.isspace():
                current = None
                continue
            size = round(raw.FPDFText_GetFontSize(textpage.raw, i), 1)
            raw.FPDFText_GetCharOrigin(textpage.raw, i, ctypes.byref(x), ctypes.byref(y))
            left, _, right, _ = textpage.get_charbox(i, loose=True)
            raw.FPDFText_GetFontInfo(textpage.raw, i, name, 128, ctypes.byref(flags))
            font = name.value.decode("latin-1", "replace")
            if raw.FPDFText_GetFontWeight(textpage.raw, i) >= 600 and not is_bold(font):
                font += "-Bold"
            top, bottom = height - (y.value + 0.8 * size), height - (y.value - 0.2 * size)
            if (current is not None and current["size"] == size and current["fontname"] == font
                    and abs(current["bottom"] - bottom) < 0.3 * size and -0.5 < left - current["x1"] < 0.25 * size):
                current["text"] += char
                current["x1"] = max(current["x1"], right)
                continue
            current = {"text": char, "x0": left, "x1": right, "top": top, "bottom": bottom, "size": size,
                       "fontname": font}
            words.append(current)
        return words
    finally:
        textpage.close()


# ---- words -> line fragments -------------------------------------------------------------
def _lines(words: list[dict], page: int) -> list[Line]:
    if not words:
        return []
    body = _body_size(words)
    rows: list[list[dict]] = []
    boxes: list[tuple[float, float]] = []
    # Full-size words first define the rows; raised footnote markers then join the row they sit in.
    for small in (False, True):
        for w in sorted(words, key=lambda w: (w["top"], w["x0"])):
            if (w["size"] < 0.8 * body) != small:
                continue
            centre = (w["top"] + w["bottom"]) / 2
            for i in range(len(rows) - 1, max(len(rows) - 60, -1), -1):
                top, bottom = boxes[i]
                if top - 0.5 <= centre <= bottom + 0.5 and (not small or _beside(w, rows[i])):
                    rows[i].append(w)
                    break
            else:
                rows.append([w])
                boxes.append((w["top"], w["bottom"]))
    lines: list[Line] = []
    for row in rows:
        row.sort(key=lambda w: w["x0"])
        current = [row[0]]
        for prev, w in zip(row, row[1:]):
            # A gap wider than a word space can stretch to is a gutter between columns.
            if w["x0"] - prev["x1"] > max(1.2 * max(w["size"], prev["size"]), 8):
                lines.append(_line(current, page))
                current = []
            current.append(w)
        lines.append(_line(current, page))
    return lines


def _beside(word: dict, row: list[dict]) -> bool:
    """A small word belongs to a row when it touches one of its words: a raised marker, not a column."""
    reach = max(word["size"], 3.0)
    return any(abs(w["x1"] - word["x0"]) < reach or abs(word["x1"] - w["x0"]) < reach
               or (w["x0"] <= word["x0"] <= w["x1"]) for w in row)


def _body_size(words: list[dict]) -> float:
    sizes = Counter()
    for w in words:
        sizes[round(w["size"], 1)] += len(w["text"])
    return sizes.most_common(1)[0][0]


_CID = re.compile(r"\(cid:\d+\)")


def _glyph_text(text: str) -> str:
    """A glyph the font does not map to Unicode: a bullet at a line start, else nothing."""
    return _CID.sub("", text) if not _CID.fullmatch(text) else "\u2022"


def _line(words: list[dict], page: int) -> Line:
    words = [{**w, "text": _glyph_text(w["text"])} for w in words]
    words = [w for w in words if w["text"]] or words
    text = words[0]["text"]
    for prev, w in zip(words, words[1:]):
        # A footnote marker set tight against its word ("Internet.7") keeps no space.
        text += ("" if w["x0"] - prev["x1"] < 0.12 * prev["size"] else " ") + w["text"]
    size = Counter(round(w["size"], 1) for w in words for _ in w["text"]).most_common(1)[0][0]
    main = [w for w in words if round(w["size"], 1) == size]
    return Line(text, min(w["x0"] for w in words), max(w["x1"] for w in words), min(w["top"] for w in main),
                max(w["bottom"] for w in main), size, all(is_bold(w["fontname"]) for w in main), page)
