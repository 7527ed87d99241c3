"""Typed training configuration: file -> validated model -> CLI overrides -> saved copy."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from argmine.models.labeler import SentenceLabeler


class TrainConfig(BaseModel):
    """The recipe of a model. Unknown keys are refused so a typo never goes unnoticed."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    seed: int = 13
    base: Literal["minilm", "mpnet"] = "minilm"
    context_window: int = Field(0, ge=0, le=3)
    context_dropout: float = Field(0.1, ge=0, lt=1)
    lora_rank: int = Field(0, ge=0, le=256)
    lora_alpha: float = Field(32.0, gt=0)
    layer_lr_decay: float = Field(1.0, gt=0, le=1)
    precision: Literal["auto", "bf16", "fp32"] = "auto"
    # A model (shipped name or directory) whose probabilities the student learns from.
    teacher: str | None = None
    # With a teacher: also learn from the unlabelled text in <corpus>/unlabelled/.
    unlabelled: bool = True
    distill_weight: float = Field(0.5, ge=0, le=1)
    distill_temperature: float = Field(2.0, gt=0)
    storage_dtype: Literal["float32", "float16"] = "float32"
    epochs: int = Field(12, ge=1)
    batch_size: int = Field(16, ge=1)
    learning_rate: float = Field(1e-4, gt=0)
    head_learning_rate: float = Field(2e-3, gt=0)
    weight_decay: float = Field(0.01, ge=0)
    warmup_ratio: float = Field(0.1, ge=0, lt=1)
    trainable_layers: int = Field(2, ge=0, le=12)
    dropout: float = Field(0.1, ge=0, lt=1)
    max_length: int = Field(128, ge=8, le=512)
    class_weighting: Literal["none", "sqrt", "balanced"] = "sqrt"
    patience: int = Field(3, ge=1)
    max_steps: int | None = Field(None, ge=1)
    # Share of the training sections held out for early stopping.
    dev_fraction: float = Field(0.15, gt=0, lt=1)
    # False: fit on every labelled sentence, the fixed evaluation split and the dev set included,
    # for all ``epochs`` (no early stopping). For the model to ship once its recipe is measured
    # (cross-validation, a held-out twin): the real sentences are few, and each one helps.
    holdout: bool = True
    sources: tuple[Literal["seed", "authored", "user"], ...] = ("seed", "authored", "user")
    # Out-of-fold predictions of this recipe (a file of `argmine eval --predictions`, relative to the project
    # root) whose roles the link model learns from, so it meets in training the role errors it meets in use;
    # sentences the file lacks take the new model's own roles. None: its own roles everywhere.
    link_roles_from: str | None = None
    device: str = "auto"

    def labeler(self) -> SentenceLabeler:
        # Imported here: the service reads this model for its API schema without loading torch.
        from argmine.models.labeler import SentenceLabeler

        fields = set(SentenceLabeler.__dataclass_fields__) - {"inference"}
        return SentenceLabeler(**{k: v for k, v in self.model_dump().items() if k in fields})


def load_config(path: Path | None = None, overrides: list[str] | tuple[str, ...] = ()) -> TrainConfig:
    data: dict[str, Any] = {}
    if path is not None:
        text = Path(path).read_text(encoding="utf-8")
        data = (json.loads(text) if Path(path).suffix == ".json" else yaml.safe_load(text)) or {}
        if not isinstance(data, dict):
            raise ValueError(f"{path}: a training config is a mapping of keys to values")
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"--set expects key=value, got {item!r}")
        data[key.strip()] = yaml.safe_load(value)  # "3" -> 3, "1e-4" -> 1e-4, "[seed]" -> list
    return TrainConfig.model_validate(data)
