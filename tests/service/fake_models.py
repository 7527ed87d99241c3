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
