"""Text out of PDF, HTML and DOCX documents, in reading order, with per-unit metadata.

``extract(data, media_type=..., filename=...)`` picks the reader by content type or
file suffix and returns an ``Extracted``: the text sentences are cut from (units
separated by blank lines) and which character range came from which page.
"""

from argmine.extraction.dispatch import MEDIA_TYPES, SUFFIXES, extract, format_of
from argmine.extraction.document import Extracted, Unit
from argmine.extraction.errors import DamagedDocument, ExtractionError, NoTextLayer, TooLong, UnsupportedFormat

__all__ = ["Extracted", "Unit", "extract", "format_of", "MEDIA_TYPES", "SUFFIXES",
           "ExtractionError", "NoTextLayer", "DamagedDocument", "UnsupportedFormat", "TooLong"]
