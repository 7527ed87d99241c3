"""``--model DIR|VERSION`` -> a model directory, and loading it for batch inference."""

from __future__ import annotations

import json
from pathlib import Path

from argmine.batch.errors import ModelNotFoundError
from argmine.models.inference import InferenceSettings, resolve_device
from argmine.models.labeler import SentenceLabeler
from argmine.models.paths import DEFAULT_MODEL_DIR, SHIPPED_MODELS


def resolve_model(spec: str | None, models_dir: Path, default_dir: Path = DEFAULT_MODEL_DIR) -> Path:
    """A shipped model's name, then a directory, then a version under ``models_dir`` (the service's store)."""
    if spec is None:
        if not (default_dir / "config.json").exists():
            raise ModelNotFoundError(f"no model at {default_dir}: the shipped default model is missing; "
                                     "train one with `argmine train` and pass --model DIR")
        return default_dir
    if spec in SHIPPED_MODELS:
        shipped = SHIPPED_MODELS[spec]
        if not (shipped / "config.json").exists():
            raise ModelNotFoundError(f"the shipped {spec!r} model is missing from {shipped}")
        return shipped
    path = Path(spec)
    if path.is_dir():
        return path
    if path.name == spec:  # no separators: a version name
        if (models_dir / spec).is_dir():
            return models_dir / spec
        if (default_dir / "training.json").exists() and model_version(default_dir) == spec:
            return default_dir
    raise ModelNotFoundError(f"--model {spec!r} is neither a model directory nor a version in {models_dir}")


def model_version(directory: Path) -> str:
    """The version a model stamps on its records, read without loading the weights."""
    try:
        training = json.loads((directory / "training.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelNotFoundError(f"{directory} has no readable training.json: {exc}") from exc
    return training.get("version", "unversioned")  # as SentenceLabeler.version


def load_labeler(directory: Path, device: str = "auto", batch_tokens: int | None = None,
                 max_batch: int | None = None) -> SentenceLabeler:
    """The labeler for batch work; an unusable ``device`` fails here, before any input is read."""
    resolve_device(device)
    chosen = {"batch_tokens": batch_tokens, "max_batch": max_batch}
    settings = InferenceSettings(device=device, **{k: v for k, v in chosen.items() if v is not None})
    return SentenceLabeler.load(directory, inference=settings)
