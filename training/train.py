"""``argmine train``: fit the labeler on the corpus and save a versioned model."""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from argmine.models.card import trained_with_holdout
from argmine.models.context import in_context
from argmine.models.labeler import ProgressCallback, SentenceLabeler, record_input
from argmine.training.config import TrainConfig
from argmine.training.corpus import fingerprint, load_corpus
from argmine.training.link_train import (read_link_data, resolve_roles_from, stored_sentences, train_links,
                                         user_link_data)
from argmine.training.predictions import read_predictions
from argmine.training.metrics import predictions_from_proba, report_by_source
from argmine.training.splits import dev_split, eval_split


@dataclass
class TrainResult:
    labeler: SentenceLabeler
    metrics: dict[str, Any]
    path: Path
    links: dict[str, Any] | None = None  # what the link model learned from (links/data.json); None: no link model


def user_records(annotations: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Annotations stored through the service, shaped like corpus records.

    Each is read beside the stored sentences next to it in its document
    (``stored_neighbours``), as the models read documents; one without a document
    or an annotated neighbour is read alone.
    """
    neighbours = stored_neighbours(annotations)
    out = []
    for a in annotations:
        group = a.get("doc_id") or hashlib.sha1(a["text"].encode()).hexdigest()[:12]
        out.append({"doc_id": a.get("doc_id") or "user", "text": a["text"], "role": a["role"], "stance": a["stance"],
                    "risk": bool(a["risk"]), "source": "user", "section": f"user#{group}",
                    **neighbours.get(_span(a), {})})
    return out


# Stored sentences at most this many characters apart (the whitespace between two sentences of
# one segmentation) are neighbours: the store keeps annotated spans, not whole documents.
NEIGHBOUR_GAP = 4
Span = tuple[str, int, int]


def _span(a: dict[str, Any]) -> Span | None:
    if a.get("doc_id") is None or a.get("start") is None or a.get("end") is None:
        return None
    return str(a["doc_id"]), int(a["start"]), int(a["end"])


def stored_neighbours(annotations: Sequence[dict[str, Any]]) -> dict[Span, dict[str, list[str]]]:
    """``before``/``after`` per stored span: the texts of the spans adjacent to it in its document
    (``link_train.stored_sentences``), within runs of spans at most ``NEIGHBOUR_GAP`` characters apart."""
    out: dict[Span, dict[str, list[str]]] = {}
    for doc_id, sentences in stored_sentences(annotations).items():
        runs: list[list[dict[str, Any]]] = []
        for s in sentences:  # in offset order, none overlapping
            if not runs or s["start"] - runs[-1][-1]["end"] > NEIGHBOUR_GAP:
                runs.append([])
            runs[-1].append(s)
        for run in runs:
            for s, item in zip(run, in_context([s["text"] for s in run])):
                out[(str(doc_id), int(s["start"]), int(s["end"]))] = {"before": list(item.before),
                                                                       "after": list(item.after)}
    return out


def evaluate_on(labeler: SentenceLabeler, records: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Reports on the whole set (``eval``) and on each source apart (``eval_<source>``)."""
    if not records:
        return {}
    predicted = predictions_from_proba(labeler.predict_proba([record_input(r) for r in records]))
    return {"eval" if subset == "all" else f"eval_{subset}": result
            for subset, result in report_by_source(records, predicted).items()}


def load_teacher(spec: str) -> SentenceLabeler:
    """A teacher by shipped name (``accurate``) or directory."""
    from argmine.models.paths import SHIPPED_MODELS

    return SentenceLabeler.load(SHIPPED_MODELS.get(spec, Path(spec)))


def teacher_info(spec: str | None) -> dict[str, Any] | None:
    if not spec:
        return None
    from argmine.models import artifacts
    from argmine.models.paths import SHIPPED_MODELS

    path = SHIPPED_MODELS.get(spec, Path(spec))
    return {"model": spec, "version": artifacts.read_json(path / "training.json").get("version")}


def distillation_set(config: TrainConfig, corpus_dir: Path, records: list[dict[str, Any]]
                     ) -> tuple[list[dict[str, Any]], int]:
    """The training records with the teacher's soft targets, plus unlabelled text; and how many of those."""
    from argmine.training.distill import unlabelled_records, with_soft_targets

    teacher = load_teacher(config.teacher or "")
    extra = unlabelled_records(corpus_dir) if config.unlabelled else []
    return with_soft_targets(records + extra, teacher), len(extra)


EVAL_SPLIT = "sections whose sha1 % 5 == 0 (training.splits.in_eval_split)"


def trained_on_held_out(model_dir: Path) -> bool:
    """Whether a saved model was fitted with ``holdout: false``: the fixed evaluation split says nothing of it."""
    path = Path(model_dir) / "training.json"
    if not path.is_file():  # a model saved without its training record (a test's fake) held nothing out
        return False
    training = json.loads(path.read_text(encoding="utf-8"))
    return isinstance(training, dict) and not trained_with_holdout(training)


def new_version(corpus_fingerprint: str) -> str:
    return datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S-") + corpus_fingerprint[:6]


def train(config: TrainConfig, corpus_dir: Path, out_dir: Path, extra: Sequence[dict[str, Any]] = (),
          progress: bool = True, callback: ProgressCallback | None = None, version: str | None = None,
          extra_links: Sequence[dict[str, Any]] = ()) -> TrainResult:
    """``extra``: stored annotations; ``extra_links``: stored links (``service.link_store`` rows), which the
    link model learns from beside the corpus links where ``user`` is a source (``link_train.user_link_data``)."""
    roles_from = None
    if config.link_roles_from:  # a missing or unreadable file fails here, not after the sentence model trained
        roles_from = resolve_roles_from(config.link_roles_from)
        read_predictions(roles_from)
    records = load_corpus(corpus_dir, sources=tuple(s for s in config.sources if s != "user"))
    if "user" in config.sources:
        records += user_records(extra)
    if config.holdout:
        train_records, held_out = eval_split(records)
        fit_records, dev_records = dev_split(train_records, config.dev_fraction, config.seed)
    else:
        fit_records, dev_records, held_out = list(records), [], []
    distilled = 0
    if config.teacher:
        fit_records, distilled = distillation_set(config, corpus_dir, fit_records)
    labeler = config.labeler().fit(fit_records, dev_records, progress=progress, callback=callback)
    metrics = evaluate_on(labeler, held_out)
    corpus_hash = fingerprint(corpus_dir)
    if extra:
        corpus_hash = hashlib.sha256((corpus_hash + json.dumps([r["text"] for r in extra])).encode()).hexdigest()[:16]
    if extra_links:
        spans = [[l["doc_id"], l["source_start"], l["target_start"], l["type"]] for l in extra_links]
        corpus_hash = hashlib.sha256((corpus_hash + json.dumps(spans)).encode()).hexdigest()[:16]
    training = {
        "version": version or new_version(corpus_hash),
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "config": config.model_dump(mode="json"),
        "seed": config.seed,
        "corpus": {
            "fingerprint": corpus_hash,
            "sentences": len(records),
            "documents": len({r["doc_id"] for r in records}),
            "by_source": dict(Counter(r["source"] for r in records)),
            "splits": {"train": len(fit_records) - distilled, "dev": len(dev_records), "eval": len(held_out),
                       "unlabelled": distilled},
        },
        "teacher": teacher_info(config.teacher),
        "versions": library_versions(),
        "git_commit": git_commit(),
        "eval_split": EVAL_SPLIT if config.holdout else None,
    }
    path = labeler.save(out_dir, training, metrics)
    # The link model beside it, on its own vectors, where the corpus or the stored links have any
    # (training/link_train.py).
    user = user_link_data(extra, extra_links) if "user" in config.sources and extra_links else None
    link_model = train_links(corpus_dir, path, user=user, labeler=labeler, roles_from=roles_from,
                             every_sentence=False)
    links = read_link_data(path) if link_model is not None else None
    return TrainResult(labeler, metrics, path, links)


def library_versions() -> dict[str, str]:
    import datasets
    import sklearn
    import torch
    import transformers

    return {"python": platform.python_version(), "torch": torch.__version__, "transformers": transformers.__version__,
            "datasets": datasets.__version__, "scikit-learn": sklearn.__version__}


def git_commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True,
                              cwd=Path(__file__).parent).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"

