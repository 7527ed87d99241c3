"""Training benchmark: the default recipe's wall-clock time on this machine, per epoch and in total.

    python -m argmine.bench.training                       # the default recipe, as `argmine train` runs it
    python -m argmine.bench.training --set epochs=1 --set max_steps=3    # a quick smoke run

It calls ``training.train.train`` (what ``argmine train`` calls) in this process, writing
the model to a temporary directory, and times the stages by wrapping, for this run
only, ``SentenceLabeler.fit`` (start and end of fine-tuning) and
``SentenceLabeler.score`` (the dev-set scoring that closes every epoch). An epoch's
time is its optimisation steps plus its dev scoring; "before fit" is loading and
splitting the corpus; "after fit" is the held-out evaluation and saving.
Early stopping may end the run before the configured number of epochs.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from argmine.bench.common import Timer, check_idle, print_table, quiet_transformers, write_result
from argmine.models.paths import ANNOTATIONS_DIR


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m argmine.bench.training", description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config", type=Path, default=None, help="training config file [default: the default recipe]")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key, as `argmine train --set` (repeatable)")
    p.add_argument("--annotations", type=Path, default=ANNOTATIONS_DIR, help="corpus folder")
    p.add_argument("--progress", action="store_true", help="show the training progress bar")
    p.add_argument("--name", default="training", help="results file prefix")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    load_at_start = check_idle()
    quiet_transformers()
    import torch

    from argmine.models.labeler import SentenceLabeler
    from argmine.training.config import load_config
    from argmine.training.train import train

    config = load_config(args.config, args.overrides)
    marks: dict[str, Any] = {"score_start": [], "score_end": []}
    steps: list[tuple[float, int]] = []  # (time, epoch) after every optimisation step
    original_fit, original_score = SentenceLabeler.fit, SentenceLabeler.score

    def fit(self, *a, **k):
        marks["fit_start"] = time.perf_counter()
        try:
            return original_fit(self, *a, **k)
        finally:
            marks["fit_end"] = time.perf_counter()

    def score(self, *a, **k):
        marks["score_start"].append(time.perf_counter())
        try:
            return original_score(self, *a, **k)
        finally:
            marks["score_end"].append(time.perf_counter())

    def callback(fraction: float, info: dict[str, Any]) -> None:
        steps.append((time.perf_counter(), info["epoch"]))

    SentenceLabeler.fit, SentenceLabeler.score = fit, score
    try:
        with tempfile.TemporaryDirectory(prefix="argmine-bench-train-") as tmp, Timer() as total:
            started = time.perf_counter()
            result = train(config, args.annotations, Path(tmp) / "model", progress=args.progress, callback=callback)
    finally:
        SentenceLabeler.fit, SentenceLabeler.score = original_fit, original_score

    epochs = []
    boundary = marks["fit_start"]
    history = result.labeler.history_
    for i, entry in enumerate(history):
        epoch = entry["epoch"]
        n_steps = sum(1 for _, e in steps if e == epoch)
        # An epoch ends when its dev scoring ends; without a dev split, at its last step (or at fit's end).
        if i < len(marks["score_end"]):
            end, dev = marks["score_end"][i], marks["score_end"][i] - marks["score_start"][i]
        else:
            end = max((t for t, e in steps if e == epoch), default=marks["fit_end"]) if i < len(history) - 1 \
                else marks["fit_end"]
            dev = 0.0
        epochs.append({"epoch": epoch, "steps": n_steps, "seconds": end - boundary, "dev_scoring_seconds": dev,
                       "train_loss": entry.get("train_loss"), "dev_mean_macro_f1": entry.get("dev_mean_macro_f1")})
        boundary = end
    corpus = result.labeler.training_["corpus"] if hasattr(result.labeler, "training_") else {}
    payload = {
        "config": config.model_dump(mode="json"),
        "overrides": args.overrides,
        "load_average_at_start": load_at_start,
        "corpus_splits": corpus.get("splits"),
        "torch_threads": torch.get_num_threads(),
        "total_seconds": total.seconds,
        "before_fit_seconds": marks["fit_start"] - started,
        "fit_seconds": marks["fit_end"] - marks["fit_start"],
        "after_fit_seconds": total.seconds - (marks["fit_end"] - started),
        "epochs": epochs,
        "steps": len(steps),
        "early_stopped": len(history) < config.epochs and (config.max_steps is None
                                                            or len(steps) < config.max_steps),
        "eval_metrics": {k: {h: v[h]["macro_f1"] for h in ("role", "stance", "risk")}
                         for k, v in result.metrics.items()},
    }
    report(payload)
    write_result(args.name, payload)
    return payload


def report(p: dict[str, Any]) -> None:
    rows = [[e["epoch"], e["steps"], e["seconds"], e["dev_scoring_seconds"],
             round(e["train_loss"], 4) if e["train_loss"] is not None else "-",
             round(e["dev_mean_macro_f1"], 4) if e["dev_mean_macro_f1"] is not None else "-"] for e in p["epochs"]]
    print()
    splits = p["corpus_splits"] or {}
    print_table(["epoch", "steps", "seconds", "of which dev scoring", "train loss", "dev mean macro-F1"], rows,
                title=f"training ({', '.join(f'{k} {v}' for k, v in splits.items())} sentences; "
                      f"{p['torch_threads']} torch threads)")
    print()
    print_table(["stage", "seconds"], [
        ["load and split the corpus", p["before_fit_seconds"]],
        [f"fine-tune ({len(p['epochs'])} epochs, {p['steps']} steps"
         + (", early-stopped" if p["early_stopped"] else "") + ")", p["fit_seconds"]],
        ["evaluate held-out split and save", p["after_fit_seconds"]],
        ["total", p["total_seconds"]],
    ], title="stages")
    print()


if __name__ == "__main__":
    main()
