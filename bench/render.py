"""Render authored blocks into PDF (reportlab), HTML and DOCX with a known layout.

The PDF renderer places every word itself, so the tests know the layout exactly:
1 to 3 columns, an optional full-width title and abstract above them, a running
header and page numbers, words hyphenated at line ends, a footnote in small type.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass

Block = tuple[str, list[str]]
_MARKED = re.compile(r"^(.*[a-z][.!?])(\d)$")  # "programme.1": a footnote marker after the full stop


@dataclass(frozen=True)
class PdfLayout:
    columns: int = 1
    title: str | None = None
    abstract: list[str] | None = None
    header: str | None = None
    page_numbers: bool = False
    footnote: str | None = None
    hyphenate: bool = True
    gutter: float = 20
    body_size: float = 10
    page: tuple[float, float] = (612.0, 792.0)  # US letter; (420, 595) is A5, for more pages
    # Full lines drawn as one string with real spaces, stretched to the column width;
    # otherwise every word is placed on its own and the PDF holds no space characters.
    justify: bool = False


class _Flow:
    """Words into lines into columns into pages, on a reportlab canvas."""

    MARGIN, BOTTOM = 60.0, 70.0

    def __init__(self, layout: PdfLayout):
        from reportlab.pdfgen import canvas

        self.layout = layout
        self.W, self.H = layout.page
        self.buffer = io.BytesIO()
        self.c = canvas.Canvas(self.buffer, pagesize=(self.W, self.H))
        self.page = 1
        self.note_pending = False
        self.bottom = self.BOTTOM + (40 if layout.footnote else 0)
        self._furniture()
        self.y = self.H - self.MARGIN
        self._columns(self.y)

    def _columns(self, top: float) -> None:
        n = self.layout.columns
        self.col_width = (self.W - 2 * self.MARGIN - (n - 1) * self.layout.gutter) / n
        self.col, self.col_top = 0, top
        self.x = self.MARGIN
        self.y = top

    def _furniture(self) -> None:
        if self.layout.header:
            self.c.setFont("Helvetica", 8)
            self.c.drawString(self.MARGIN, self.H - 35, self.layout.header)
            self.c.drawRightString(self.W - self.MARGIN, self.H - 35, "Volume 4, Issue 2")
        if self.layout.page_numbers:
            self.c.setFont("Helvetica", 8)
            self.c.drawCentredString(self.W / 2, 30, str(self.page))

    def _next_column(self) -> None:
        self.col += 1
        if self.col >= self.layout.columns:
            self.c.showPage()
            self.page += 1
            self._furniture()
            self._columns(self.H - self.MARGIN)
            return
        self.x = self.MARGIN + self.col * (self.col_width + self.layout.gutter)
        self.y = self.col_top

    def _advance(self, leading: float) -> None:
        self.y -= leading
        if self.y < self.bottom:
            self._next_column()
            self.y -= leading

    def full_width(self, text: str, font: str, size: float, centred: bool = False) -> None:
        """A line (or wrapped lines) across all columns; only before the columns start."""
        width = self.W - 2 * self.MARGIN
        for line in self._wrap(text.split(), font, size, width):
            self.y -= size * 1.3
            self.c.setFont(font, size)
            if centred:
                self.c.drawCentredString(self.W / 2, self.y, line)
            else:
                self.c.drawString(self.MARGIN, self.y, line)

    def start_columns(self, gap: float) -> None:
        self._columns(self.y - gap)

    def block(self, text: str, font: str, size: float, space_before: float, bullet: str | None = None) -> None:
        self.y -= space_before
        indent = 10 if bullet else 0
        first = True
        lines = self._wrap(text.split(), font, size, self.col_width - indent)
        for i, line in enumerate(lines):
            self._advance(size * 1.25)
            if first and bullet:
                self.c.setFont(font, size)
                self.c.drawString(self.x, self.y, bullet)
            if self.layout.justify and i + 1 < len(lines) and not any(_MARKED.match(w) for w in line.split()):
                self._draw_justified(line, font, size, self.x + indent, self.col_width - indent)
            else:
                self._draw_words(line, font, size, self.x + indent)
            first = False

    def _draw_justified(self, line: str, font: str, size: float, x: float, width: float) -> None:
        """One string with its spaces, stretched by the word-spacing operator as typesetters do."""
        extra = (width - self.c.stringWidth(line, font, size)) / max(line.count(" "), 1)
        text = self.c.beginText(x, self.y)
        text.setFont(font, size)
        text.setWordSpace(extra)
        text.textOut(line)
        self.c.drawText(text)

    def _draw_words(self, line: str, font: str, size: float, x: float) -> None:
        for word in line.split(" "):
            marked = _MARKED.match(word)
            shown = marked.group(1) if marked else word
            self.c.setFont(font, size)
            self.c.drawString(x, self.y, shown)
            x += self.c.stringWidth(shown, font, size)
            if marked:  # superscript footnote marker, set tight against the full stop
                self.c.setFont(font, size * 0.65)
                self.c.drawString(x, self.y + size * 0.35, marked.group(2))
                x += self.c.stringWidth(marked.group(2), font, size * 0.65)
                self.note_pending = True
            x += self.c.stringWidth(" ", font, size)
        if self.note_pending and self.layout.footnote:
            self._draw_footnote()

    def _draw_footnote(self) -> None:
        self.note_pending = False
        self.c.line(self.MARGIN, self.BOTTOM + 32, self.MARGIN + 100, self.BOTTOM + 32)
        y = self.BOTTOM + 22
        for i, line in enumerate(self._wrap(self.layout.footnote.split(), "Helvetica", 8, self.W - 2 * self.MARGIN - 8)):
            self.c.setFont("Helvetica", 8)
            if i == 0:
                self.c.setFont("Helvetica", 6)
                self.c.drawString(self.MARGIN, y + 2, "1")
                self.c.setFont("Helvetica", 8)
            self.c.drawString(self.MARGIN + 6, y, line)
            y -= 10

    def _wrap(self, words: list[str], font: str, size: float, width: float) -> list[str]:
        lines: list[str] = []
        current = ""
        words = list(words)
        while words:
            word = words.pop(0)
            trial = f"{current} {word}" if current else word
            if self.c.stringWidth(trial, font, size) <= width:
                current = trial
                continue
            if self.layout.hyphenate and current and word.isalpha() and len(word) >= 7:
                for cut in range(len(word) - 3, 2, -1):
                    head = f"{current} {word[:cut]}-"
                    if self.c.stringWidth(head, font, size) <= width:
                        lines.append(head)
                        current = ""
                        words.insert(0, word[cut:])
                        break
                else:
                    lines.append(current)
                    current = word
                continue
            if current:
                lines.append(current)
            current = word
        if current:
            lines.append(current)
        return lines

    def finish(self) -> bytes:
        self.c.showPage()
        self.c.save()
        return self.buffer.getvalue()


def render_pdf(blocks: list[Block], layout: PdfLayout) -> bytes:
    flow = _Flow(layout)
    if layout.title:
        flow.full_width(layout.title, "Helvetica-Bold", 16, centred=True)
        flow.y -= 8
    if layout.abstract:
        flow.full_width("Abstract", "Helvetica-Bold", 11)
        flow.full_width(" ".join(layout.abstract), "Helvetica", layout.body_size)
    if layout.title or layout.abstract:
        flow.start_columns(14)
    for kind, sentences in blocks:
        if kind == "heading":
            flow.block(sentences[0], "Helvetica-Bold", 11, 10)
        elif kind == "list":
            for item in sentences:
                flow.block(item, "Helvetica", layout.body_size, 3, bullet="\u2022")
        else:
            flow.block(" ".join(sentences), "Helvetica", layout.body_size, 6)
    return flow.finish()


def render_scan_pdf() -> bytes:
    """A 'scanned' page: only shapes, no text layer."""
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=(612, 792))
    for i in range(30):
        c.rect(60, 700 - i * 20, 400 + (i % 3) * 30, 8, fill=1)
    c.showPage()
    c.save()
    return buffer.getvalue()


# ---- HTML ---------------------------------------------------------------------------------------
def _html_blocks(blocks: list[Block]) -> str:
    out = []
    for kind, sentences in blocks:
        if kind == "heading":
            out.append(f"<h2>{html.escape(sentences[0])}</h2>")
        elif kind == "list":
            out.append("<ul>" + "".join(f"<li>{html.escape(s)}</li>" for s in sentences) + "</ul>")
        else:
            # Inline markup inside a paragraph must not cut it into units.
            text = html.escape(" ".join(sentences)).replace("portal", "<em>portal</em>", 1)
            out.append(f"<p>{text}</p>")
    return "\n".join(out)


def render_html(title: str, blocks: list[Block], semantic: bool = True) -> str:
    """An article page wrapped in navigation, a cookie banner, comments, a sidebar and a footer.

    ``semantic=False`` gives div soup with no <article>, <main>, <nav> or <footer>,
    so only class names and text density tell the article apart.
    """
    article = f"<h1>{html.escape(title)}</h1>\n{_html_blocks(blocks)}"
    if semantic:
        return f"""<!doctype html><html><head><title>{html.escape(title)} | Invented Daily</title>
<style>body {{ font-family: serif; }}</style><script>var tracking = "Accept all cookies";</script></head>
<body>
<div class="cookie-banner" role="dialog"><p>Accept all cookies to continue browsing our site.</p>
<p>We use cookies to measure how visitors read our pages.</p><button>OK</button></div>
<header><nav><ul><li><a href="/">Home</a></li><li><a href="/politics">Politics</a></li></ul></nav></header>
<main><article>{article}</article>
<section id="comments"><h3>Comments</h3><p>Great article, thanks for writing it!</p></section></main>
<aside><p>Related: Ten facts about bus timetables you never needed.</p></aside>
<footer><p>Subscribe to our newsletter for weekly updates.</p><p>Copyright 2026 Invented Daily. All rights reserved.</p>
<p><a href="/share">Share this article on social media.</a></p></footer>
</body></html>"""
    return f"""<html><head><title>{html.escape(title)}</title></head><body>
<div id="cookie-consent"><div>Accept all cookies to continue browsing our site.</div>
<div>We use cookies to measure how visitors read our pages.</div></div>
<div class="top-menu"><a href="/">Home</a> | <a href="/politics">Politics</a></div>
<div class="wrapper"><div class="content">{article}</div>
<div class="share-bar"><a href="/share">Share this article on social media.</a></div>
<div class="comment-list"><div class="comment">Great article, thanks for writing it!</div></div>
<div class="sidebar"><div>Related: Ten facts about bus timetables you never needed.</div></div></div>
<div class="site-footer"><div>Subscribe to our newsletter for weekly updates.</div>
<div>Copyright 2026 Invented Daily. All rights reserved.</div></div>
</body></html>"""


# ---- DOCX ---------------------------------------------------------------------------------------
def render_docx(title: str, blocks: list[Block], table: list[list[str]] | None = None) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading(title, 0)
    for kind, sentences in blocks:
        if kind == "heading":
            document.add_heading(sentences[0], 1)
        elif kind == "list":
            for item in sentences:
                document.add_paragraph(item, style="List Bullet")
        else:
            paragraph = document.add_paragraph(sentences[0])
            for sentence in sentences[1:]:
                paragraph.add_run(" " + sentence)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
