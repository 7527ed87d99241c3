"""Where the shipped artifacts live, independent of the working directory."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "default"
ANNOTATIONS_DIR = PROJECT_ROOT / "annotations"
