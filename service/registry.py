"""Model versions on disk, and the file pointer older releases kept the active one in.

    <data_dir>/models/<version>/   one directory per trained model (the saved-model format)
    <data_dir>/models/active.json  {"version": ...}; absent means the shipped default

The active version now lives in the database (``service.state``) so that every
replica agrees; ``active.json`` is read only while the database holds no choice
yet, so a data dir from before keeps serving what it served.

The shipped default (``Settings.model_dir``) is always listed and always a valid
target, so a rollback to it never depends on data_dir. The pointer is replaced
atomically (write, fsync, rename), so a crash leaves the old or the new pointer,
never a torn one. Plain files, no HTTP, no model code: testable on its own.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Sequence
from typing import Any

from argmine.models.card import trained_with_holdout
from argmine.models.scheme import HEADS

log = logging.getLogger("argmine.registry")
_VERSION = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
POINTER = "active.json"


class UnknownVersion(LookupError):
    """No model with this version exists."""


class RegistryError(RuntimeError):
    """The model directory cannot be used (missing, unreadable, or clashing)."""


@dataclass(frozen=True)
class ModelInfo:
    version: str
    path: Path
    shipped: bool
    created: str | None
    metrics: dict[str, Any]
    # False for a model trained on the evaluation split too (``holdout: false``): it has no held-out metrics.
    held_out: bool = True


def summarize(metrics: dict[str, Any]) -> dict[str, Any] | None:
    """Macro-F1 per head, their mean and n from an ``eval`` report; None if there is none."""
    report = metrics.get("eval") if metrics else None
    if not report or any(head not in report for head in HEADS):
        return None
    scores = {head: round(float(report[head]["macro_f1"]), 4) for head in HEADS}
    return {**scores, "mean_macro_f1": round(sum(scores.values()) / len(scores), 4), "n": report.get("n")}


def summarize_twin(metrics: dict[str, Any]) -> dict[str, Any] | None:
    """The held-out twin's version and scores (``argmine calibrate --twin --write`` puts them in a refit's
    metrics): the best estimate a model trained on every sentence has of how it does on new text."""
    twin = metrics.get("twin") if metrics else None
    if not isinstance(twin, dict) or not twin.get("version"):
        return None
    return {"version": str(twin["version"]), "metrics": summarize(twin.get("metrics") or {})}


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}
    return data if isinstance(data, dict) else {}


def atomic_write_json(path: Path, data: Any) -> None:
    """Write-then-rename in the same directory, fsynced: readers see old or new, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # make the rename itself durable
    finally:
        os.close(dir_fd)


def read_info(path: Path, shipped: bool = False) -> ModelInfo:
    training = _read_json(path / "training.json")
    version = training.get("version") or path.name
    return ModelInfo(version, path, shipped, training.get("created"), _read_json(path / "metrics.json"),
                     trained_with_holdout(training))


class Registry:
    def __init__(self, root: Path, default_dir: Path, shipped: Sequence[Path] = ()):
        self.root = Path(root)
        self.default_dir = Path(default_dir)
        # Other models that ship with argmine (the accurate one): listed and activatable.
        self.shipped = [Path(p) for p in shipped
                        if Path(p).resolve() != self.default_dir.resolve() and (Path(p) / "training.json").exists()]
        self.root.mkdir(parents=True, exist_ok=True)

    @property
    def default(self) -> ModelInfo:
        if not (self.default_dir / "training.json").exists():
            raise RegistryError(
                f"no model at {self.default_dir}: the shipped default model is missing. Train one with "
                f"`argmine train --out {self.default_dir}` or point ARGMINE_MODEL_DIR / --model-dir at a model.")
        return read_info(self.default_dir, shipped=True)

    def versions(self) -> list[ModelInfo]:
        """The shipped default first, then trained versions, oldest first."""
        trained = [read_info(p) for p in sorted(self.root.iterdir())
                   if p.is_dir() and not p.name.startswith(".") and (p / "training.json").exists()]
        shipped = [read_info(p, shipped=True) for p in self.shipped]
        return [self.default, *shipped, *sorted(trained, key=lambda m: (m.created or "", m.version))]

    def get(self, version: str) -> ModelInfo:
        default = self.default
        if version == default.version:
            return default
        for path in self.shipped:
            info = read_info(path, shipped=True)
            if version == info.version:
                return info
        if _VERSION.match(version):
            path = self.root / version
            if (path / "training.json").exists():
                return read_info(path)
        raise UnknownVersion(f"no model version {version!r}; GET /v1/models lists the versions")

    def active_version(self) -> str:
        """The persisted choice, or the default when none was made.

        A chosen model that is gone from disk is an error, not a quiet fallback: serving
        another model than the one an operator activated would change every answer
        without anyone deciding it.
        """
        pointer = self.root / POINTER
        chosen = _read_json(pointer).get("version")
        if chosen:
            try:
                return self.get(chosen).version
            except UnknownVersion:
                raise RegistryError(
                    f"the active model {chosen!r}, chosen in {pointer}, is missing: "
                    f"{self.root / chosen / 'training.json'} does not exist. Restore that directory, "
                    f"or delete {pointer} to serve the shipped default {self.default.version!r}") from None
        return self.default.version

    def set_active(self, version: str) -> None:
        """Write the file pointer (kept for tools that read it; the service records its choice in the database)."""
        info = self.get(version)
        atomic_write_json(self.root / POINTER, {"version": info.version})

    def add(self, staged: Path, version: str) -> ModelInfo:
        """Move a finished model directory into place under its version; one rename, atomic."""
        if not _VERSION.match(version):
            raise RegistryError(f"{version!r} is not a valid version name")
        target = self.root / version
        if target.exists() or version == self.default.version:
            raise RegistryError(f"model version {version!r} already exists")
        os.replace(staged, target)
        return read_info(target)

    def staging_dir(self, name: str) -> Path:
        """Where a job writes its model before ``add``: hidden, same filesystem, so the rename is atomic."""
        path = self.root / f".staging-{name}"
        shutil.rmtree(path, ignore_errors=True)
        return path

    def clean_staging(self) -> None:
        for path in self.root.glob(".staging-*"):
            shutil.rmtree(path, ignore_errors=True)
