"""Where the shipped artifacts live, independent of the working directory."""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL_DIR = Path(__file__).resolve().parent / "default"
ACCURATE_MODEL_DIR = Path(__file__).resolve().parent / "accurate"
ANNOTATIONS_DIR = PROJECT_ROOT / "annotations"
RECIPES_DIR = PROJECT_ROOT / "training" / "recipes"

# The models that ship with argmine, by the name `--model` accepts: "default" is
# MiniLM (fast on a laptop), "accurate" all-mpnet-base-v2 (`argmine base fetch mpnet`).
SHIPPED_MODELS = {"default": DEFAULT_MODEL_DIR, "accurate": ACCURATE_MODEL_DIR}
