"""``argmine eval``: grouped cross-validation of baselines and the fine-tuned model.

Every system is trained on the same folds (grouped by paragraph, so no paragraph
is on both sides) and its out-of-fold predictions are pooled. Real (seed)
sentences are always reported apart from authored ones: authored text helps
training but is never the measure.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from argmine.models.scheme import HEADS
from argmine.training.baselines import Embedder, FrozenEmbeddingLogReg, MajorityBaseline, Predictions, TfidfLogReg
from argmine.training.config import TrainConfig
from argmine.training.corpus import fingerprint, load_corpus
from argmine.training.links_eval import keep_links_section
from argmine.training.metrics import predictions_from_proba, report_by_source
from argmine.training.splits import dev_split, grouped_folds

Records = list[dict[str, Any]]


class FineTuned:
    """The fine-tuned labeler behind the baselines' fit/predict shape."""

    def __init__(self, config: TrainConfig, prefix_cache: dict | None = None):
        self.config = config
        self.prefix_cache = prefix_cache

    def fit(self, records: Records) -> "FineTuned":
        fit_records, dev_records = dev_split(records, self.config.dev_fraction, self.config.seed)
        self.labeler_ = self.config.labeler().fit(fit_records, dev_records, progress=False,
                                                  prefix_cache=self.prefix_cache)
        return self

    def predict(self, texts: Sequence[str]) -> Predictions:
        return predictions_from_proba(self.labeler_.predict_proba(texts))


@dataclass
class System:
    name: str
    description: str
    make: Callable[[], Any]
    train_sources: tuple[str, ...] = ("seed", "authored")


def systems(config: TrainConfig) -> dict[str, System]:
    embedder: list[Embedder] = []
    prefix_cache: dict = {}  # frozen-layer outputs, shared by every fine-tuning fit of the run

    def frozen() -> FrozenEmbeddingLogReg:
        if not embedder:
            embedder.append(Embedder())
        return FrozenEmbeddingLogReg(embedder[0])

    return {s.name: s for s in [
        System("majority", "most frequent label per head", MajorityBaseline),
        System("tfidf_lr", "TF-IDF (1-2 grams) + balanced logistic regression", TfidfLogReg),
        System("tfidf_lr_seed_only", "TF-IDF + LR trained on seed sentences only", TfidfLogReg, ("seed",)),
        System("frozen_lr", "frozen all-MiniLM-L6-v2 embeddings + balanced logistic regression", frozen),
        System("finetuned", "fine-tuned MiniLM (top layers + 3 heads), the shipped recipe",
               lambda: FineTuned(config, prefix_cache)),
        System("finetuned_seed_only", "fine-tuned MiniLM trained on seed sentences only (ablation)",
               lambda: FineTuned(config, prefix_cache), ("seed",)),
    ]}


def cross_validate(records: Records, chosen: Sequence[System], folds: int, seed: int) -> dict[str, Predictions]:
    """Out-of-fold predictions of every system for every record."""
    splits = grouped_folds(records, folds, seed)
    pooled = {s.name: {h: [""] * len(records) for h in HEADS} for s in chosen}
    with tqdm(total=len(splits) * len(chosen), desc="cross-validation", unit="fit") as bar:
        for fold, (train_idx, test_idx) in enumerate(splits):
            for system in chosen:
                bar.set_postfix(fold=fold + 1, system=system.name)
                train = [records[i] for i in train_idx if records[i]["source"] in system.train_sources]
                model = system.make().fit(train)
                predicted = model.predict([records[i]["text"] for i in test_idx])
                for head in HEADS:
                    for i, label in zip(test_idx, predicted[head]):
                        pooled[system.name][head][i] = label
                bar.update(1)
    return pooled


def run_evaluation(corpus_dir: Path, config: TrainConfig, folds: int, out: Path, json_out: Path,
                   names: Sequence[str]) -> dict[str, Any]:
    started = time.time()
    records = load_corpus(corpus_dir, sources=("seed", "authored"))
    available = systems(config)
    unknown = [n for n in names if n not in available]
    if unknown:
        raise ValueError(f"unknown systems {unknown}; choose from {list(available)}")
    chosen = [available[n] for n in names]
    pooled = cross_validate(records, chosen, folds, config.seed)
    results: dict[str, Any] = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "corpus_fingerprint": fingerprint(corpus_dir),
        "folds": folds,
        "config": config.model_dump(mode="json"),
        "seconds": round(time.time() - started, 1),
        "systems": {s.name: {"description": s.description, "train_sources": list(s.train_sources)} for s in chosen},
        "results": {},
    }
    for system in chosen:
        results["results"][system.name] = report_by_source(records, pooled[system.name])
    json_out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    out.write_text(keep_links_section(out, render_markdown(results, records)), encoding="utf-8")
    return results


def write_to_card(results: dict[str, Any], model_dir: Path) -> None:
    """Add the cross-validation summary to a saved model's metrics and card."""
    from argmine.models import artifacts
    from argmine.models.card import render_card

    metrics = artifacts.read_json(model_dir / "metrics.json")
    metrics["cross_validation"] = {
        "folds": results["folds"], "corpus_fingerprint": results["corpus_fingerprint"],
        "systems": {name: {subset: {h: by_subset[subset][h]["macro_f1"] for h in HEADS}
                           for subset in ("seed", "authored") if subset in by_subset}
                    for name, by_subset in results["results"].items()},
    }
    artifacts.write_json(model_dir / "metrics.json", metrics)
    config = artifacts.read_json(model_dir / "config.json")
    training = artifacts.read_json(model_dir / "training.json")
    (model_dir / "README.md").write_text(render_card(config, training, metrics), encoding="utf-8")


def summary_table(results: dict[str, Any], subset: str) -> list[str]:
    rows = ["| system | role | stance | risk | mean |", "|---|---|---|---|---|"]
    for name, by_subset in results["results"].items():
        if subset not in by_subset:
            continue
        scores = [by_subset[subset][h]["macro_f1"] for h in HEADS]
        rows.append(f"| {name} | " + " | ".join(f"{s:.3f}" for s in scores) + f" | {sum(scores) / 3:.3f} |")
    return rows


def winners(results: dict[str, Any], subset: str = "seed") -> dict[str, str]:
    """The best system per head on real sentences, among those trained on the full corpus."""
    out = {}
    for head in HEADS:
        scored = [(r[subset][head]["macro_f1"], name) for name, r in results["results"].items()
                  if subset in r and not name.endswith("_seed_only")]
        if scored:
            out[head] = max(scored)[1]
    return out


def render_markdown(results: dict[str, Any], records: Records) -> str:
    n_seed = sum(r["source"] == "seed" for r in records)
    n_authored = sum(r["source"] == "authored" for r in records)
    lines = [
        "# Evaluation",
        "",
        f"Made by `argmine eval --folds {results['folds']}` on {results['created']} "
        f"(corpus fingerprint `{results['corpus_fingerprint']}`, {results['seconds']} s on this machine).",
        "",
        f"{results['folds']}-fold cross-validation grouped by paragraph: no paragraph is in both the training "
        f"and the test part of a fold. Out-of-fold predictions are pooled. Macro-F1 is over the labels present "
        f"in the gold data. {n_seed} real (seed) sentences and {n_authored} authored sentences; every system "
        "except the `_seed_only` ablations trains on both, and the two are always reported apart.",
        "",
        "## Real sentences (seed article): macro-F1",
        "",
        *summary_table(results, "seed"),
        "",
        "## Authored sentences: macro-F1",
        "",
        *summary_table(results, "authored"),
        "",
        "## Winner per dimension on real sentences",
        "",
    ]
    for head, name in winners(results).items():
        lines.append(f"- {head}: `{name}` ({results['results'][name]['seed'][head]['macro_f1']:.3f})")
    lines += ["", "## Systems", ""]
    for name, info in results["systems"].items():
        lines.append(f"- `{name}`: {info['description']} (trained on: {', '.join(info['train_sources'])})")
    for name in results["results"]:
        if name in ("finetuned", "tfidf_lr") and "seed" in results["results"][name]:
            lines += ["", f"## Per-class results of `{name}` on real sentences", ""]
            lines += per_class_tables(results["results"][name]["seed"])
    return "\n".join(lines) + "\n"


def per_class_tables(result: dict[str, Any]) -> list[str]:
    lines: list[str] = []
    for head in HEADS:
        r = result[head]
        lines += [f"**{head}** (macro-F1 {r['macro_f1']:.3f}, accuracy {r['accuracy']:.3f})", "",
                  "| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
        for label, m in r["per_class"].items():
            lines.append(f"| {label} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['support']} |")
        labels = r["confusion"]["labels"]
        lines += ["", "Confusion (rows gold, columns predicted):", "",
                  "| gold \\ predicted | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
        for label, row in zip(labels, r["confusion"]["matrix"]):
            lines.append(f"| {label} | " + " | ".join(str(v) for v in row) + " |")
        lines.append("")
    return lines
