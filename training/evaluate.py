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

import numpy as np
from tqdm.auto import tqdm

from argmine.models.labeler import record_input
from argmine.models.paths import RECIPES_DIR
from argmine.models.scheme import HEADS
from argmine.training.baselines import Embedder, FrozenEmbeddingLogReg, MajorityBaseline, Predictions, TfidfLogReg
from argmine.training.config import TrainConfig
from argmine.training.corpus import fingerprint, load_corpus
from argmine.training.links_eval import keep_links_section
from argmine.training.metrics import predictions_from_proba, report_by_source
from argmine.training.calibration import cross_fitted, ece, fit_temperature, normalised_entropy, uncertain_error_rates
from argmine.training.config import load_config
from argmine.training.distill import unlabelled_records, with_soft_targets
from argmine.training.metrics import gold
from argmine.training.predictions import read_folds
from argmine.training.splits import dev_split, folds_keeping, grouped_folds

Records = list[dict[str, Any]]


class FineTuned:
    """The fine-tuned labeler behind the baselines' fit/predict shape, reading records in context."""

    def __init__(self, config: TrainConfig, prefix_cache: dict | None = None, unlabelled: Records = ()):
        self.config = config
        self.prefix_cache = prefix_cache
        self.unlabelled = list(unlabelled)

    def fit(self, records: Records, teacher: "FineTuned | None" = None) -> "FineTuned":
        fit_records, dev_records = dev_split(records, self.config.dev_fraction, self.config.seed)
        if teacher is not None:  # distillation: the teacher of the same fold, never one that saw the test part
            fit_records = with_soft_targets(fit_records + self.unlabelled, teacher.labeler_)
        self.labeler_ = self.config.labeler().fit(fit_records, dev_records, progress=False,
                                                  prefix_cache=self.prefix_cache)
        return self

    def predict_proba_records(self, records: Records) -> dict[str, np.ndarray]:
        return self.labeler_.predict_proba([record_input(r) for r in records])

    def predict(self, texts: Sequence[str]) -> Predictions:
        return predictions_from_proba(self.labeler_.predict_proba(texts))


@dataclass
class System:
    name: str
    description: str
    make: Callable[[], Any]
    train_sources: tuple[str, ...] = ("seed", "authored")
    # Another system of the same run whose model of the same fold teaches this one.
    teacher: str | None = None


def recipe(name: str, overrides: Sequence[str] = ()) -> TrainConfig:
    """A shipped model's training recipe (training/recipes/<name>.yaml), with ``--set``-style overrides."""
    return load_config(RECIPES_DIR / f"{name}.yaml", overrides)


def systems(config: TrainConfig, corpus_dir: Path | None = None, recipe_overrides: Sequence[str] = ()) -> dict[str, System]:
    """Every system ``argmine eval`` knows; ``recipe_overrides`` (``key=value``) change the shipped recipes'
    systems, e.g. ``seed=14`` to see how much a recipe's scores move with its own training seed alone."""
    embedder: list[Embedder] = []
    caches: dict[tuple, dict] = {}  # frozen-layer outputs, shared by fits with the same frozen part
    unlabelled: list[Records] = []

    def frozen() -> FrozenEmbeddingLogReg:
        if not embedder:
            embedder.append(Embedder())
        return FrozenEmbeddingLogReg(embedder[0])

    def finetuned(cfg: TrainConfig, distilled: bool = False) -> Callable[[], FineTuned]:
        key = (cfg.base, cfg.trainable_layers, cfg.lora_rank, cfg.context_window, cfg.max_length, cfg.precision)

        def make() -> FineTuned:
            if distilled and not unlabelled:
                unlabelled.append(unlabelled_records(corpus_dir) if corpus_dir and cfg.unlabelled else [])
            return FineTuned(cfg, caches.setdefault(key, {}), unlabelled[0] if distilled else ())
        return make

    listed = [
        System("majority", "most frequent label per head", MajorityBaseline),
        System("tfidf_lr", "TF-IDF (1-2 grams) + balanced logistic regression", TfidfLogReg),
        System("tfidf_lr_seed_only", "TF-IDF + LR trained on seed sentences only", TfidfLogReg, ("seed",)),
        System("frozen_lr", "frozen all-MiniLM-L6-v2 embeddings + balanced logistic regression", frozen),
        System("finetuned", "fine-tuned with the config given (--config/--set; default: round 1's MiniLM recipe)",
               finetuned(config)),
        System("finetuned_seed_only", "the same, trained on seed sentences only (ablation)", finetuned(config),
               ("seed",)),
    ]
    if RECIPES_DIR.is_dir():
        accurate, default = recipe("accurate", recipe_overrides), recipe("default", recipe_overrides)
        listed += [
            System("accurate", "all-mpnet-base-v2, neighbours as context, LoRA (recipes/accurate.yaml)",
                   finetuned(accurate)),
            System("accurate_no_context", "the accurate recipe reading every sentence alone (ablation)",
                   finetuned(accurate.model_copy(update={"context_window": 0}))),
            System("default", "MiniLM-L6 in context, distilled from the accurate model of the same fold "
                   "(recipes/default.yaml)", finetuned(default, distilled=True), teacher="accurate"),
            System("default_no_teacher", "the default recipe without distillation (ablation)",
                   finetuned(default.model_copy(update={"teacher": None}))),
            System("default_no_context", "the default recipe without distillation, every sentence alone (ablation)",
                   finetuned(default.model_copy(update={"teacher": None, "context_window": 0}))),
        ]
    return {s.name: s for s in listed}


def document_folds(records: Records, k: int, seed: int) -> list[tuple[list[int], list[int]]]:
    """Leave-documents-out over authored documents: each fold tests on whole documents
    (about 1/k of them) that nothing of was trained on; the seed always trains."""
    docs = sorted({r["doc_id"] for r in records if r["source"] == "authored"})
    rng = np.random.default_rng(seed)
    order = list(rng.permutation(docs))
    groups = {doc: i % k for i, doc in enumerate(order)}
    folds = []
    for fold in range(min(k, len(docs))):
        test = [i for i, r in enumerate(records) if groups.get(r["doc_id"]) == fold]
        train = [i for i, r in enumerate(records) if groups.get(r["doc_id"]) != fold]
        folds.append((train, test))
    return folds


@dataclass
class Pooled:
    """Out-of-fold predictions of one system: labels, probabilities where it gives them, and folds."""

    labels: dict[str, list[str]]
    probs: dict[str, np.ndarray] | None
    fold: list[int]
    tested: list[bool]


def cross_validate(records: Records, chosen: Sequence[System], splits: list[tuple[list[int], list[int]]],
                   desc: str = "cross-validation") -> dict[str, Pooled]:
    """Out-of-fold predictions of every system for every record a fold tests."""
    pooled = {s.name: Pooled({h: [""] * len(records) for h in HEADS}, None, [-1] * len(records),
                             [False] * len(records)) for s in chosen}
    with tqdm(total=len(splits) * len(chosen), desc=desc, unit="fit") as bar:
        for fold, (train_idx, test_idx) in enumerate(splits):
            fitted: dict[str, Any] = {}
            for system in chosen:
                bar.set_postfix(fold=fold + 1, system=system.name)
                train = [records[i] for i in train_idx if records[i]["source"] in system.train_sources]
                model = system.make()
                model = model.fit(train, teacher=fitted[system.teacher]) if system.teacher else model.fit(train)
                fitted[system.name] = model
                test = [records[i] for i in test_idx]
                out = pooled[system.name]
                if hasattr(model, "predict_proba_records"):
                    probs = model.predict_proba_records(test)
                    predicted = predictions_from_proba(probs)
                    if out.probs is None:
                        out.probs = {h: np.zeros((len(records), p.shape[1]), dtype=np.float32) for h, p in probs.items()}
                    for head, p in probs.items():
                        out.probs[head][test_idx] = p
                else:
                    predicted = model.predict([r["text"] for r in test])
                for head in HEADS:
                    for i, label in zip(test_idx, predicted[head]):
                        out.labels[head][i] = label
                for i in test_idx:
                    out.fold[i], out.tested[i] = fold, True
                bar.update(1)
    return pooled


def with_teachers(names: Sequence[str], available: dict[str, System]) -> list[System]:
    """The systems asked for, each teacher placed (and added) before its student."""
    ordered: list[System] = []
    for name in names:
        teacher = available[name].teacher
        if teacher and teacher not in [s.name for s in ordered]:
            ordered.append(available[teacher])
        if name not in [s.name for s in ordered]:
            ordered.append(available[name])
    return ordered


def prediction_rows(records: Records, pooled: dict[str, Pooled], mode: str) -> list[dict[str, Any]]:
    """One row per system and tested sentence: its out-of-fold probabilities, to read errors by,
    or to take roles from that no model saw the labels of (``argmine links eval --roles-from``)."""
    rows = []
    for system, found in pooled.items():
        if found.probs is None:
            continue
        for i, r in enumerate(records):
            if not found.tested[i]:
                continue
            rows.append({"system": system, "mode": mode, "fold": found.fold[i], "doc_id": r["doc_id"],
                         "sent_id": r["sent_id"], "source": r["source"], "text": r["text"],
                         "gold": {h: gold([r], h)[0] for h in HEADS},
                         "probabilities": {h: {label: round(float(p), 5) for label, p in zip(labels, found.probs[h][i])}
                                           for h, labels in HEADS.items()}})
    return rows


def run_evaluation(corpus_dir: Path, config: TrainConfig, folds: int, out: Path, json_out: Path,
                   names: Sequence[str], modes: Sequence[str] = ("seed", "documents"),
                   predictions_out: Path | None = None, folds_from: Path | None = None,
                   recipe_overrides: Sequence[str] = ()) -> dict[str, Any]:
    """Cross-validates ``names`` (plus their teachers) and writes the report.

    ``seed``: folds grouped by paragraph over every sentence, reported per source
    (the real-sentence numbers). ``documents``: leave-documents-out over the
    authored documents, how a model carries to a new document of a new register.
    ``predictions_out``: the out-of-fold probabilities of each sentence as JSONL
    (``prediction_rows``), for the systems that give probabilities. ``folds_from``: such a file of an
    earlier run, whose seed-mode folds are kept (``splits.folds_keeping``), so that what the corpus
    gained is measured on the sentences the earlier run tested, in the same folds.
    """
    predictions: list[dict[str, Any]] = []
    started = time.time()
    records = load_corpus(corpus_dir, sources=("seed", "authored"))
    available = systems(config, corpus_dir, recipe_overrides)
    unknown = [n for n in names if n not in available]
    if unknown:
        raise ValueError(f"unknown systems {unknown}; choose from {list(available)}")
    chosen = with_teachers(names, available)
    results: dict[str, Any] = {
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "corpus_fingerprint": fingerprint(corpus_dir),
        "folds": folds,
        "folds_from": str(folds_from) if folds_from is not None else None,
        "recipe_overrides": list(recipe_overrides),
        "modes": list(modes),
        "config": config.model_dump(mode="json"),
        "systems": {s.name: {"description": s.description, "train_sources": list(s.train_sources),
                             "teacher": s.teacher} for s in chosen},
        "machine": machine_description(),
        "results": {}, "documents": {}, "calibration": {},
    }
    if "seed" in modes:
        splits = (folds_keeping(records, read_folds(folds_from), folds, config.seed) if folds_from is not None
                  else grouped_folds(records, folds, config.seed))
        pooled = cross_validate(records, chosen, splits)
        predictions += prediction_rows(records, pooled, "seed")
        for system in chosen:
            results["results"][system.name] = report_by_source(records, pooled[system.name].labels)
            if pooled[system.name].probs is not None:
                results["calibration"][system.name] = calibration_report(records, pooled[system.name])
    if "documents" in modes:
        pooled = cross_validate(records, chosen, document_folds(records, folds, config.seed), "leave-documents-out")
        predictions += prediction_rows(records, pooled, "documents")
        for system in chosen:
            index = [i for i, tested in enumerate(pooled[system.name].tested) if tested]
            subset = [records[i] for i in index]
            labels = {h: [v[i] for i in index] for h, v in pooled[system.name].labels.items()}
            results["documents"][system.name] = report_by_source(subset, labels).get("authored")
    results["seconds"] = round(time.time() - started, 1)
    if predictions_out is not None:
        predictions_out.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in predictions),
                                   encoding="utf-8")
    json_out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    out.write_text(keep_links_section(out, render_markdown(results, records)), encoding="utf-8")
    return results


def model_agreement(corpus_dir: Path, models: dict[str, Path]) -> dict[str, Any]:
    """How often two saved models give the same label, per head, on the unlabelled text of the corpus
    (``<corpus>/unlabelled/``, read in context), with each one's label counts: whether a retrained model
    (a ``holdout: false`` refit beside its twin, say) is the old one plus data or another model."""
    from collections import Counter

    from argmine.models.labeler import SentenceLabeler
    from argmine.training.distill import unlabelled_records

    if len(models) != 2:
        raise ValueError(f"agreement takes two models, got {len(models)}")
    records = unlabelled_records(corpus_dir)
    if not records:
        raise ValueError(f"no unlabelled text to compare on: {corpus_dir}/unlabelled/*.txt")
    items = [record_input(r) for r in records]
    labels = {name: SentenceLabeler.load(path).predict(items) for name, path in models.items()}
    (a, first), (b, second) = labels.items()
    return {"n": len(items), "heads": {
        head: {"agreement": sum(str(getattr(x, head)) == str(getattr(y, head)) for x, y in zip(first, second)) / len(items),
               a: dict(Counter(str(getattr(x, head)) for x in first)),
               b: dict(Counter(str(getattr(y, head)) for y in second))} for head in HEADS}}


def held_out_comparison(corpus_dir: Path, models: dict[str, Path]) -> dict[str, Any]:
    """Saved models scored on the fixed held-out split (``training.splits.in_eval_split``),
    the sections every ``argmine train`` leaves out: models trained at different times on
    different corpora compare on the same sentences, none of which any of them saw."""
    from argmine.models.labeler import SentenceLabeler
    from argmine.training.splits import eval_split
    from argmine.training.train import evaluate_on, trained_on_held_out

    seen = [name for name, path in models.items() if trained_on_held_out(path)]
    if seen:
        raise ValueError(f"trained on the held-out sections (holdout: false), so they cannot be compared there: "
                         f"{', '.join(seen)}; compare their held-out twins")
    records = load_corpus(corpus_dir, sources=("seed", "authored"))
    _, held_out = eval_split(records)
    out: dict[str, Any] = {"corpus_fingerprint": fingerprint(corpus_dir), "machine": machine_description(),
                           "models": {}}
    for name, path in models.items():
        labeler = SentenceLabeler.load(path)
        started = time.time()
        report = evaluate_on(labeler, held_out)
        out["models"][name] = {"version": labeler.version, "seconds": round(time.time() - started, 1),
                               **{k: {h: v[h]["macro_f1"] for h in HEADS} | {"n": v["n"]} for k, v in report.items()}}
    return out


def held_out_calibration(corpus_dir: Path, model_dir: Path, folds: int = 5) -> dict[str, Any]:
    """Calibration of a saved model on the fixed held-out sections it never trained on.

    The held-out sentences are split into ``folds`` groups of whole sections; each
    group's temperature is fitted on the others, so the ECE after scaling is measured
    on sentences its temperature never saw. The temperatures to ship are fitted on all
    of them. Reported on every held-out sentence and on the real (seed) ones apart.
    """
    import hashlib

    from argmine.models.labeler import SentenceLabeler
    from argmine.training.splits import eval_split

    records = load_corpus(corpus_dir, sources=("seed", "authored"))
    _, held_out = eval_split(records)
    labeler = SentenceLabeler.load(model_dir)
    probs = labeler.logits([record_input(r) for r in held_out])
    probs = {h: np.exp(v) for h, v in probs.items()}
    fold = [int(hashlib.sha1(r["section"].encode()).hexdigest(), 16) // 5 % folds for r in held_out]
    pooled = Pooled(labels={}, probs=probs, fold=fold, tested=[True] * len(held_out))
    return {"model": str(model_dir), "version": labeler.version, "n": len(held_out),
            "all": calibration_report(held_out, pooled, subset=None),
            "seed": calibration_report(held_out, pooled, subset="seed")}


def held_out_table(comparison: dict[str, Any]) -> list[str]:
    rows = ["| model | subset | role | stance | risk | mean | n |", "|---|---|---|---|---|---|---|"]
    for name, result in comparison["models"].items():
        for subset in ("eval_seed", "eval_authored"):
            if subset in result:
                r = result[subset]
                mean = sum(r[h] for h in HEADS) / len(HEADS)
                rows.append(f"| {name} | {subset.removeprefix('eval_')} | " + " | ".join(f"{r[h]:.3f}" for h in HEADS)
                            + f" | {mean:.3f} | {r['n']} |")
    return rows


def calibration_report(records: Records, pooled: Pooled, subset: str | None = "seed") -> dict[str, Any]:
    """ECE per head before and after temperature scaling (each fold's temperature fitted on the
    other folds), the temperatures fitted on all folds (what a shipped model gets), and how
    often the 20% most uncertain sentences are wrong against the rest."""
    assert pooled.probs is not None
    index = np.array([i for i, r in enumerate(records) if subset in (None, r["source"]) and pooled.tested[i]])
    if len(index) == 0:
        return {}
    everything = np.array([i for i in range(len(records)) if pooled.tested[i]])
    out: dict[str, Any] = {"subset": subset, "n": int(len(index)), "heads": {}}
    calibrated: dict[str, np.ndarray] = {}
    wrong = np.zeros(len(index), dtype=bool)
    for head in HEADS:
        truth_all = np.array([HEADS[head].index(g) for g in gold([records[i] for i in everything], head)])
        probs_all = pooled.probs[head][everything]
        folds = [pooled.fold[i] for i in everything]
        rescaled, per_fold = cross_fitted(probs_all, truth_all, folds)
        position = {int(i): k for k, i in enumerate(everything)}
        mine = [position[int(i)] for i in index]
        truth = truth_all[mine]
        out["heads"][head] = {
            "ece": round(ece(probs_all[mine], truth), 4),
            "ece_scaled": round(ece(rescaled[mine], truth), 4),
            "temperature": fit_temperature(probs_all, truth_all),
            "fold_temperatures": per_fold,
        }
        calibrated[head] = rescaled[mine]
        wrong |= rescaled[mine].argmax(1) != truth
    uncertainty = np.max([normalised_entropy(calibrated[h]) for h in HEADS], axis=0)
    out["uncertainty"] = uncertain_error_rates(uncertainty, wrong)
    return out


def machine_description() -> str:
    import platform

    import torch

    from argmine.models.inference import cpu_has_native_bf16

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {torch.get_num_threads()} torch threads, native bf16: {cpu_has_native_bf16()}, "
            f"CUDA: {torch.cuda.is_available()}")


def write_to_card(results: dict[str, Any], model_dir: Path, system: str | None = None) -> dict[str, float]:
    """Add the cross-validation summary to a saved model's metrics and card; with ``system``
    (the recipe the model was trained by), ship that system's fitted temperatures for each
    head whose held-out calibration error they lowered. Returns the temperatures shipped."""
    from argmine.models import artifacts
    from argmine.models.card import render_card

    metrics = artifacts.read_json(model_dir / "metrics.json")
    metrics["cross_validation"] = {
        "folds": results["folds"], "corpus_fingerprint": results["corpus_fingerprint"],
        "systems": {name: {subset: {h: by_subset[subset][h]["macro_f1"] for h in HEADS}
                           for subset in ("seed", "authored") if subset in by_subset}
                    for name, by_subset in results["results"].items()},
        "leave_documents_out": {name: {h: r[h]["macro_f1"] for h in HEADS}
                                for name, r in results.get("documents", {}).items() if r},
    }
    config = artifacts.read_json(model_dir / "config.json")
    shipped: dict[str, float] = {}
    calibration = results.get("calibration", {}).get(system or "", {})
    if calibration:
        metrics["calibration"] = calibration
        shipped = {h: r["temperature"] for h, r in calibration["heads"].items() if r["ece_scaled"] < r["ece"]}
        config["temperatures"] = shipped
        artifacts.write_json(model_dir / "config.json", config)
    artifacts.write_json(model_dir / "metrics.json", metrics)
    training = artifacts.read_json(model_dir / "training.json")
    (model_dir / "README.md").write_text(render_card(config, training, metrics), encoding="utf-8")
    return shipped


def summary_table(by_system: dict[str, Any], subset: str | None) -> list[str]:
    rows = ["| system | role | stance | risk | mean |", "|---|---|---|---|---|"]
    for name, by_subset in by_system.items():
        result = by_subset if subset is None else (by_subset or {}).get(subset)
        if not result:
            continue
        scores = [result[h]["macro_f1"] for h in HEADS]
        rows.append(f"| {name} | " + " | ".join(f"{s:.3f}" for s in scores) + f" | {sum(scores) / 3:.3f} |")
    return rows


def calibration_table(calibration: dict[str, Any]) -> list[str]:
    rows = ["| system | head | ECE | ECE after temperature | temperature (all folds) |", "|---|---|---|---|---|"]
    for name, report in calibration.items():
        for head, r in report.get("heads", {}).items():
            rows.append(f"| {name} | {head} | {r['ece']:.3f} | {r['ece_scaled']:.3f} | {r['temperature']:.2f} |")
    rows += ["", "| system | error rate, 20% most uncertain | error rate, the other 80% |", "|---|---|---|"]
    for name, report in calibration.items():
        u = report.get("uncertainty")
        if u:
            rows.append(f"| {name} | {u['top']:.3f} (n={u['n_top']}) | {u['rest']:.3f} (n={u['n_rest']}) |")
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
    n_docs = len({r["doc_id"] for r in records if r["source"] == "authored"})
    names = ",".join(results["systems"])
    lines = [
        "# Evaluation",
        "",
        f"Made by `argmine eval --folds {results['folds']} --systems {names}` on {results['created']} "
        f"(corpus fingerprint `{results['corpus_fingerprint']}`, {results['seconds']} s on "
        f"{results.get('machine', 'this machine')}).",
        "",
        f"{n_seed} real (seed) sentences and {n_authored} authored sentences in {n_docs} authored documents. "
        "Real sentences are always reported apart from authored ones: authored text helps training, "
        "it is never the measure. Macro-F1 is over the labels present in the gold data.",
    ]
    if results["results"]:
        lines += [
            "",
            f"## Real sentences (seed article): macro-F1, {results['folds']}-fold cross-validation grouped by paragraph",
            "",
            "No paragraph is in both the training and the test part of a fold; out-of-fold predictions are pooled. "
            "Every system except the `_seed_only` ablations trains on seed and authored sentences.",
            "",
            *summary_table(results["results"], "seed"),
            "",
            "## Authored sentences, same folds: macro-F1",
            "",
            *summary_table(results["results"], "authored"),
            "",
            "## Winner per dimension on real sentences",
            "",
        ]
        for head, name in winners(results).items():
            lines.append(f"- {head}: `{name}` ({results['results'][name]['seed'][head]['macro_f1']:.3f})")
    if results.get("documents"):
        lines += [
            "",
            f"## New documents: leave-documents-out over the authored documents ({results['folds']} folds)",
            "",
            "Each fold tests on whole authored documents (about a fifth of them, so whole registers and countries "
            "unseen) and trains on the rest and on the seed: how well a model carries to a new document.",
            "",
            *summary_table(results["documents"], None),
        ]
    if results.get("calibration"):
        lines += [
            "",
            "## Calibration on real sentences",
            "",
            "Expected calibration error (15 bins) of the out-of-fold probabilities, before and after one softmax "
            "temperature per head; each fold's temperature is fitted on the other folds only. `uncertainty` "
            "(the largest normalised entropy over the heads, after scaling) steers `/v1/suggestions`: a sentence "
            "counts as wrong when any head is.",
            "",
            *calibration_table(results["calibration"]),
        ]
    lines += ["", "## Systems", ""]
    for name, info in results["systems"].items():
        teacher = f"; taught by `{info['teacher']}` of the same fold" if info.get("teacher") else ""
        lines.append(f"- `{name}`: {info['description']} (trained on: {', '.join(info['train_sources'])}{teacher})")
    for name in results["results"]:
        if name in ("accurate", "default", "finetuned") and "seed" in results["results"][name]:
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
