"""The model factory of the service tests, light to import on purpose.

Training jobs receive the factory by pickling and import this module in a fresh
process; keeping torch out of its imports lets a job that fails early fail fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


def versioned_fake(version: str, **kwargs: Any):
    """A FakeLabeler that says which model version it stands for."""
    from tests.fakes import FakeLabeler

    fake = FakeLabeler(**kwargs)
    fake.version = version
    return fake


def fake_or_real(path: Path):
    """Real weights load for real (models trained by a job); fake model directories get a fake."""
    path = Path(path)
    if (path / "weights.safetensors").exists():
        from argmine.models.labeler import SentenceLabeler

        return SentenceLabeler.load(path)
    return versioned_fake(json.loads((path / "training.json").read_text())["version"])


def fake_train(spec) -> None:
    """A training job's process in miniature: progress, a staged fake model, result.json.

    Stands in for ``training_worker.run`` where the HTTP contract, not learning, is under
    test. ``config["max_steps"]`` tenths of a second of "training" (default 0.5 s) leave
    time to cancel it, or to kill it.
    """
    import os
    import time
    import uuid

    from argmine.models.scheme import HEADS
    from argmine.service.registry import atomic_write_json

    steps = spec.config.get("max_steps") or 5
    for step in range(steps):
        atomic_write_json(spec.job_dir / "progress.json", {"stage": "training", "progress": step / steps})
        time.sleep(0.1)
    version = f"fake-{uuid.uuid4().hex[:12]}"
    report = {"eval": {"n": 10, **{head: {"macro_f1": 0.5} for head in HEADS}}}
    os.makedirs(spec.staging_dir, exist_ok=True)
    (spec.staging_dir / "training.json").write_text(json.dumps({"version": version, "created": time.strftime(
        "%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())}))
    (spec.staging_dir / "metrics.json").write_text(json.dumps(report))
    atomic_write_json(spec.job_dir / "result.json", {"version": version, "metrics": report,
                                                      "baseline_metrics": report, "eval_records": 10})


def fake_train_with_links(spec) -> None:
    """``fake_train`` plus the real link model on the job's snapshots (corpus links and stored links, as
    ``training.train.train`` assembles them), saved beside the fake model: retraining links in seconds."""
    from argmine.service.training_worker import read_annotations
    from argmine.training.link_train import train_links, user_link_data
    from tests.fakes import FakeLabeler

    user = user_link_data(read_annotations(spec.annotations_file), read_annotations(spec.links_file))
    fake_train(spec)
    train_links(spec.corpus_dir, spec.staging_dir, user=user, labeler=FakeLabeler(), roles="gold")
