"""What runs inside a training job's own process; no HTTP, no database.

The parent hands over a ``JobSpec``; this writes, in the job directory:

    progress.json  {"stage", "progress", ...}, replaced atomically as training goes
    result.json    the new version and both models' metrics on the same evaluation records
    error.json     what went wrong, when it did

The model is saved into a staging directory; only the parent moves it into the
registry, so a killed job never leaves a half-written model where one is listed.
"""

from __future__ import annotations

import json
import os
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argmine.service.registry import atomic_write_json


@dataclass(frozen=True)
class JobSpec:
    job_dir: Path
    corpus_dir: Path
    staging_dir: Path
    annotations_file: Path
    config: dict[str, Any]
    baseline_dir: Path
    baseline_loader: Callable[[Path], Any]
    nice: int = 10
    links_file: Path | None = None  # stored links, JSONL; None: none (older callers, fake workers)


TrainWorker = Callable[[JobSpec], None]


def read_annotations(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


class _Progress:
    """Throttled progress file: at most every half second, so a fast loop does not thrash the disk."""

    def __init__(self, path: Path):
        self.path = path
        self.last = 0.0

    def __call__(self, stage: str, fraction: float, force: bool = False, **info: Any) -> None:
        now = time.monotonic()
        if force or now - self.last >= 0.5:
            atomic_write_json(self.path, {"stage": stage, "progress": round(min(max(fraction, 0.0), 1.0), 4), **info})
            self.last = now


def _exit_with_parent(parent: int) -> None:
    """A service killed outright (SIGKILL, OOM) cannot stop its job; the job stops itself rather than
    train for nobody while another replica may already hold the training slot."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(1)


def run(spec: JobSpec) -> None:
    """Entry point of the child process; exit status 0 only with result.json written."""
    progress = _Progress(spec.job_dir / "progress.json")
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), name="argmine-parent-watch", daemon=True).start()
    try:
        if spec.nice:
            os.nice(spec.nice)  # the service shares these cores: keep labelling responsive
        progress("preparing", 0.0, force=True)
        _train(spec, progress)
    except BaseException as exc:
        atomic_write_json(spec.job_dir / "error.json", {"error": f"{type(exc).__name__}: {exc}",
                                                        "traceback": traceback.format_exc()})
        raise SystemExit(1) from None


HELD_OUT = "held-out sections"


def comparison_records(held_out: list[dict[str, Any]], baseline_dir: Path) -> tuple[list[dict[str, Any]], str]:
    """What the new model and the active one are compared on, and its name.

    A model shipped with ``holdout: false`` learnt the corpus's held-out sections; only the
    stored annotations among them are new to it, so both are compared on those alone.
    """
    from argmine.training.train import trained_on_held_out

    if not trained_on_held_out(baseline_dir):
        return held_out, HELD_OUT
    return ([r for r in held_out if r["source"] == "user"],
            "held-out stored annotations only: the active model was trained on the corpus's held-out sections")


def _train(spec: JobSpec, progress: _Progress) -> None:
    from argmine.training.corpus import CorpusError, validate

    problems = validate(spec.corpus_dir)  # before importing torch: a broken corpus fails in a second
    if problems:
        raise CorpusError(problems)

    from argmine.training.config import TrainConfig
    from argmine.training.corpus import load_corpus
    from argmine.training.splits import eval_split
    from argmine.training.train import evaluate_on, train, user_records

    config = TrainConfig.model_validate(spec.config)
    annotations = read_annotations(spec.annotations_file)
    # The same records train() assembles, so the baseline is scored on exactly the
    # held-out sentences the new model is.
    records = load_corpus(spec.corpus_dir, sources=tuple(s for s in config.sources if s != "user"))
    if "user" in config.sources:
        records += user_records(annotations)
    _, held_out = eval_split(records)

    def on_step(fraction: float, info: dict[str, Any]) -> None:
        progress("training", 0.05 + 0.85 * fraction, **info)

    links = read_annotations(spec.links_file) if spec.links_file is not None else []
    result = train(config, spec.corpus_dir, spec.staging_dir, extra=annotations, progress=False, callback=on_step,
                   extra_links=links)
    progress("evaluating", 0.9, force=True)
    held_out, compared_on = comparison_records(held_out, spec.baseline_dir)
    metrics = result.metrics if compared_on == HELD_OUT else evaluate_on(result.labeler, held_out)
    baseline = evaluate_on(spec.baseline_loader(spec.baseline_dir), held_out)
    atomic_write_json(spec.job_dir / "result.json", {
        "version": result.labeler.version,
        "metrics": metrics,
        "baseline_metrics": baseline,
        "eval_records": len(held_out),
        "compared_on": compared_on,
        "links": result.links,
    })
    progress("done", 1.0, force=True)
