"""The progress bar (documents/s, sentences/s, ETA) and the end-of-run summary line."""

from __future__ import annotations

import sys
import time
from collections import Counter
from dataclasses import dataclass, field

from tqdm.auto import tqdm


@dataclass
class RunStats:
    documents: int = 0  # labelled and written by this run
    sentences: int = 0
    skipped: Counter = field(default_factory=Counter)  # bad records, by reason
    resumed: int = 0  # already complete in the output, not labelled again
    seconds: float = 0.0

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def line(self) -> str:
        reasons = ", ".join(f"{reason} {n:,}" for reason, n in self.skipped.most_common())
        parts = [f"{self.documents:,} documents", f"{self.sentences:,} sentences",
                 f"{self.skipped_total:,} skipped" + (f" ({reasons})" if reasons else "")]
        if self.resumed:
            parts.append(f"{self.resumed:,} already done")
        rate = f", {self.documents / self.seconds:,.1f} documents/s" if self.seconds > 0 else ""
        return "labelled " + ", ".join(parts) + f" in {self.seconds:,.1f} s{rate}"


class Progress:
    """A tqdm bar over documents, with sentences/s beside tqdm's own documents/s and ETA."""

    def __init__(self, total: int | None, enabled: bool = True):
        self._start = time.monotonic()
        self._sentences = 0
        self._bar = tqdm(total=total, unit="doc", desc="labelling", disable=not enabled,
                         dynamic_ncols=True, file=sys.stderr)

    def advance(self, documents: int, sentences: int) -> None:
        self._sentences += sentences
        elapsed = max(time.monotonic() - self._start, 1e-9)
        self._bar.set_postfix_str(f"{self._sentences / elapsed:,.0f} sent/s", refresh=False)
        self._bar.update(documents)

    def note(self, message: str) -> None:
        """A message on stderr that does not tear the bar."""
        self._bar.write(message, file=sys.stderr)

    def finish(self) -> None:
        if self._bar.total is not None and self._bar.n < self._bar.total:
            self._bar.total = self._bar.n  # the estimate counted blank lines; end at 100%
            self._bar.refresh()
        self.close()

    def close(self) -> None:
        self._bar.close()
