"""Typed extraction errors; the CLI and HTTP layers turn them into messages and status codes."""

from __future__ import annotations


class ExtractionError(ValueError):
    """A document whose text cannot be extracted; the message says why and what to do."""


class UnsupportedFormat(ExtractionError):
    """Neither the content type nor the file suffix names a format argmine reads."""


class DamagedDocument(ExtractionError):
    """The bytes are not a readable file of the announced format."""


class NoTextLayer(ExtractionError):
    """A PDF without text (a scan): labelling it would silently give nothing."""


class EmptyDocument(ExtractionError):
    """A readable document with no text in it (an empty page, an article-less web page)."""


class TooLong(ExtractionError):
    """More text than the caller accepts; found while extracting, so a huge PDF is not read to its end."""
