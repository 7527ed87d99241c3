"""Sentence segmentation: argmine's segmenter against pysbd on hand-checked boundaries.

    python -m argmine.bench.segmentation [--data tests/models/data/boundaries.jsonl] [--errors]

The data (written for argmine, checked by hand) is JSONL ``{"id", "text", "spans"}``:
every sentence of ``text`` as ``[start, end]``. A predicted sentence counts only when
its span, whitespace trimmed, is exactly a gold span (exact-span precision, recall, F1).
pysbd runs with ``clean=False`` and ``char_span=True`` so its spans index the same text;
it is a dev dependency only (``pip install -e ".[dev]"``).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from argmine.models.segment import segment

DATA = Path(__file__).resolve().parents[1] / "tests" / "models" / "data" / "boundaries.jsonl"
Spans = list[tuple[int, int]]


@dataclass(frozen=True)
class Score:
    gold: int
    predicted: int
    correct: int

    @property
    def precision(self) -> float:
        return self.correct / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.correct / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load(path: Path = DATA) -> list[dict]:
    with open(path, encoding="utf-8") as stream:
        return [json.loads(line) for line in stream if line.strip()]


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def argmine_spans(text: str) -> Spans:
    return [(s.start, s.end) for s in segment(text)]


def pysbd_segmenter() -> Callable[[str], Spans]:
    import pysbd

    seg = pysbd.Segmenter(language="en", clean=False, char_span=True)

    def spans(text: str) -> Spans:
        return [trim(text, s.start, s.end) for s in seg.segment(text) if s.sent.strip()]

    return spans


def score(items: Iterable[dict], spans: Callable[[str], Spans]) -> Score:
    gold = predicted = correct = 0
    for item in items:
        truth = {tuple(s) for s in item["spans"]}
        found = {trim(item["text"], *s) for s in spans(item["text"])}
        gold, predicted, correct = gold + len(truth), predicted + len(found), correct + len(truth & found)
    return Score(gold, predicted, correct)


def errors(items: Iterable[dict], spans: Callable[[str], Spans]) -> Iterable[str]:
    for item in items:
        truth = {tuple(s) for s in item["spans"]}
        found = {trim(item["text"], *s) for s in spans(item["text"])}
        for s, e in sorted(found - truth):
            yield f"{item['id']}: {item['text'][s:e]!r}"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--errors", action="store_true", help="Print every wrong predicted sentence.")
    args = parser.parse_args(argv)
    items = load(args.data)
    systems = {"argmine": argmine_spans, "pysbd": pysbd_segmenter()}
    print(f"{len(items)} texts, {sum(len(i['spans']) for i in items)} hand-checked sentences ({args.data.name})")
    print(f"{'segmenter':<10} {'precision':>9} {'recall':>7} {'F1':>7}")
    for name, spans in systems.items():
        s = score(items, spans)
        print(f"{name:<10} {s.precision:>9.3f} {s.recall:>7.3f} {s.f1:>7.3f}")
    if args.errors:
        for name, spans in systems.items():
            print(f"\n{name} errors:")
            for line in errors(items, spans):
                print("  " + line)


if __name__ == "__main__":
    main()
