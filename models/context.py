"""Sentences read in context: the neighbours a sentence is classified with.

Whether a sentence is a claim or a premise often shows only beside the sentences
around it, so the model reads each sentence as a first text segment and its
neighbours as a second one, and pools over the sentence's own tokens: the labels
stay per sentence. A plain ``str`` is a sentence read alone (records without a
document); ``InContext`` carries up to ``MAX_WINDOW`` neighbours on each side,
and each model uses as many as it was trained with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Union

# Neighbours kept on each side; a model's own ``context_window`` may use fewer.
MAX_WINDOW = 3


@dataclass(frozen=True, slots=True)
class InContext:
    text: str
    before: tuple[str, ...] = ()  # nearest last
    after: tuple[str, ...] = ()  # nearest first

    def parts(self, window: int) -> tuple[str, str]:
        """The neighbours before and after, for a model reading ``window`` a side."""
        if window <= 0:
            return "", ""
        return " ".join(self.before[max(0, len(self.before) - window):]), " ".join(self.after[:window])


SentenceInput = Union[str, InContext]


def in_context(texts: Sequence[str], window: int = MAX_WINDOW) -> list[InContext]:
    """Each sentence of one document with its neighbours, in document order."""
    return [InContext(text, tuple(texts[max(0, i - window):i]), tuple(texts[i + 1:i + 1 + window]))
            for i, text in enumerate(texts)]


def reading_key(item: SentenceInput, window: int) -> str:
    """What a model reading ``window`` neighbours a side sees of ``item``, as one string: the
    same sentence beside other neighbours is another reading (its vector differs)."""
    if isinstance(item, str) or window <= 0:
        return text_of(item)
    before, after = item.parts(window)
    return f"{before}\x1f{item.text}\x1f{after}" if before or after else item.text


def text_of(item: SentenceInput) -> str:
    return item if isinstance(item, str) else item.text


def grouped_in_context(texts: Sequence[str], groups: Sequence[str | None],
                       window: int = MAX_WINDOW) -> list[SentenceInput]:
    """Records of many documents in file order: those sharing a group (``doc_id``)
    are read beside each other; records without one are read alone."""
    members: dict[str, list[int]] = {}
    for i, group in enumerate(groups):
        if group is not None and group != "":
            members.setdefault(str(group), []).append(i)
    out: list[SentenceInput] = list(texts)
    for indices in members.values():
        for i, item in zip(indices, in_context([texts[i] for i in indices], window)):
            out[i] = item
    return out
