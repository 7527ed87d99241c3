"""`argmine serve` in a subprocess, on a light fake model: the real CLI and app, without torch.

    python -m tests.service.serve_light serve --port ... --data-dir ... --model-dir ...

Only the model loader is swapped (before the app module binds it), so the process
starts in about a second; everything else is the shipped service.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from argmine.models.scheme import HEADS
from argmine.service import predictor


@dataclass(frozen=True)
class LightLabels:
    role: str
    stance: str
    risk: bool
    probabilities: dict[str, dict[str, float]] = field(default_factory=dict)
    entropy: dict[str, float] = field(default_factory=dict)
    uncertainty: float = 0.5


class LightLabeler:
    """Every sentence 'none', tagged with nothing but the version it stands for."""

    def __init__(self, version: str):
        self.version = version

    def predict(self, texts: list[str]) -> list[LightLabels]:
        probabilities = {head: {label: 1.0 / len(labels) for label in labels} for head, labels in HEADS.items()}
        return [LightLabels("none", "none", False, probabilities, {head: 1.0 for head in HEADS}) for _ in texts]


def load_light(path: Path) -> Any:
    return LightLabeler(json.loads((Path(path) / "training.json").read_text())["version"])


if __name__ == "__main__":
    predictor.load_labeler = load_light  # type: ignore[assignment]
    from argmine.cli import app

    app(sys.argv[1:], prog_name="argmine")
