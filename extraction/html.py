"""The main text of a web page: a small readability-style extractor on lxml.

Boilerplate goes first (navigation, cookie banners, footers, comments, sidebars,
share bars: by tag, ARIA role and class or id words), then the content root is
chosen (the ``<article>`` or ``<main>`` with the most paragraph text, else the
element whose paragraphs hold the most text with the fewest links), and its
headings, paragraphs, list items and quotes come out in order, each its own unit.
docs/batch.md compares this with trafilatura on the test pages.
"""

from __future__ import annotations

import re

from argmine.extraction.document import Extracted, Kind, TextBuilder
from argmine.extraction.errors import DamagedDocument

_DROP_TAGS = {"script", "style", "noscript", "nav", "footer", "aside", "form", "iframe", "svg", "button",
              "template", "select", "input", "label", "dialog", "menu", "object", "canvas"}
_DROP_ROLES = {"navigation", "contentinfo", "banner", "complementary", "dialog", "alertdialog", "search", "menu"}
# Words in a class or id that mark an element as page furniture, not the article.
_BOILERPLATE = re.compile(
    r"(?:^|[\s_-])(?:cookie|consent|gdpr|banner|nav|navbar|menu|breadcrumbs?|footer|sidebar|comments?|"
    r"disqus|share|sharing|social|related|recommended|promo|advert|ads?|sponsor|newsletter|subscribe|signup|"
    r"popup|modal|masthead|toolbar|skip|pagination|pager|tags?|byline-share|author-box|widget)(?:$|[\s_-])", re.I)
_BLOCKS: dict[str, Kind] = {"h1": "heading", "h2": "heading", "h3": "heading", "h4": "heading", "h5": "heading",
                            "h6": "heading", "p": "paragraph", "li": "list_item", "blockquote": "paragraph",
                            "pre": "paragraph", "dt": "paragraph", "dd": "paragraph", "figcaption": "paragraph",
                            "td": "table_cell", "th": "table_cell"}
_CONTAINERS = {"div", "section", "article", "main", "body", "ul", "ol", "dl", "table", "tbody", "thead", "tr",
               "figure", "header", "span"}
_SPACE = re.compile(r"\s+")


def read_html(data: bytes | str) -> Extracted:
    import lxml.html
    from lxml import etree

    try:
        root = lxml.html.document_fromstring(data)
    except (etree.ParserError, ValueError) as exc:
        raise DamagedDocument(f"not a readable HTML page ({exc})") from None
    for br in root.iter("br"):  # a line break separates words even where it does not separate units
        br.tail = " " + (br.tail or "")
    _drop_boilerplate(root)
    builder = TextBuilder()
    _emit(_content_root(root), builder)
    return builder.build("html")


def _drop_boilerplate(root) -> None:
    for element in list(root.iter()):
        if element.getparent() is None:
            continue  # the root, or inside a subtree dropped already
        if not isinstance(element.tag, str):  # comments and processing instructions
            element.getparent().remove(element) if element.tail is None else element.drop_tree()
            continue
        words = f"{element.get('class', '')} {element.get('id', '')}"
        if (element.tag in _DROP_TAGS or element.get("role", "").lower() in _DROP_ROLES
                or element.get("hidden") is not None or element.get("aria-hidden") == "true"
                or (element.tag not in ("html", "body", "article", "main") and _BOILERPLATE.search(words))):
            element.drop_tree()


def _text(element) -> str:
    return _SPACE.sub(" ", element.text_content()).strip()


def _link_density(element) -> float:
    total = len(_text(element)) or 1
    return sum(len(_text(a)) for a in element.iter("a")) / total


def _paragraph_score(element) -> float:
    """Text of an element's paragraphs, discounted by how much of it is link text."""
    text = sum(len(_text(p)) for p in element.iter("p", "li", "blockquote", "pre"))
    return text * (1 - _link_density(element))


def _content_root(root):
    """The element holding the article: marked as such, else the best-scoring block."""
    marked = [e for e in root.iter("article", "main")] + [e for e in root.iter() if e.get("role") == "main"]
    if marked:
        return max(marked, key=_paragraph_score)
    body = root.find("body")
    if body is None:
        return root
    candidates = [e for e in body.iter("div", "section") if len(_text(e)) > 200] or [body]
    # max() keeps the first of equal scores, and iter() visits a wrapper before what it wraps:
    # a wrapper scores no higher than the article inside it unless it adds paragraphs of its own.
    return max(candidates, key=_paragraph_score)


def _emit(element, builder: TextBuilder) -> None:
    kind = _BLOCKS.get(element.tag) if isinstance(element.tag, str) else None
    has_block_child = any(isinstance(c.tag, str) and (c.tag in _BLOCKS or c.tag in _CONTAINERS) for c in element)
    if kind is not None and not (kind == "list_item" and has_block_child and _own_text(element) == ""):
        if kind in ("list_item", "table_cell") and has_block_child:
            # A list item holding a nested list: its own words, then the nested items as units.
            builder.add([(_own_text(element), None)], kind)
            for child in element:
                if isinstance(child.tag, str) and child.tag not in ("a", "b", "i", "em", "strong", "span", "code"):
                    _emit(child, builder)
            return
        text = _text(element)
        if text and not (_link_density(element) > 0.8 and kind != "heading" and len(text.split()) < 8):
            builder.add([(text, None)], kind)
        return
    if isinstance(element.tag, str) and element.tag in ("div", "section") and not has_block_child:
        text = _text(element)
        if text:
            builder.add([(text, None)], "paragraph")
        return
    if isinstance(element.tag, str) and (element.text or "").strip() and has_block_child:
        builder.add([(_SPACE.sub(" ", element.text).strip(), None)], "paragraph")
    for child in element:
        _emit(child, builder)
        if isinstance(child.tag, str) and (child.tail or "").strip() and element.tag not in _BLOCKS:
            builder.add([(_SPACE.sub(" ", child.tail).strip(), None)], "paragraph")


def _own_text(element) -> str:
    """An element's text outside its block children (a list item's words before its sub-list)."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str) and (child.tag in _BLOCKS or child.tag in _CONTAINERS):
            parts.append(" ")
        else:
            parts.append(child.text_content() if isinstance(child.tag, str) else "")
        parts.append(child.tail or "")
    return _SPACE.sub(" ", "".join(parts)).strip()
