"""The sentence labeler, with the scikit-learn estimator contract.

``__init__`` stores settings only; ``fit`` learns and returns ``self``; learned state
ends in ``_``; ``predict`` always returns one ``SentenceLabels`` per input text and
raises ``NotFittedError`` before ``fit`` or ``load``.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.metrics import f1_score
from tqdm.auto import tqdm
from transformers import AutoTokenizer

from argmine.models import artifacts
from argmine.models.card import render_card
from argmine.models.encoder import base_model_path
from argmine.models.inference import CPU_BATCH_TOKENS, Engine, InferenceSettings, pad_batch, plan_batches
from argmine.models.network import SentenceClassifier
from argmine.models.scheme import HEADS, risk_name
from argmine.models.segment import normalize

ProgressCallback = Callable[[float, dict[str, Any]], None]


class NotFittedError(RuntimeError):
    """``predict`` or ``save`` was called on a labeler that was neither fitted nor loaded."""


@dataclass(frozen=True)
class SentenceLabels:
    role: str
    stance: str
    risk: bool
    probabilities: dict[str, dict[str, float]]
    # Entropy of each head divided by its maximum, so heads of 2 and 4 labels compare.
    entropy: dict[str, float]
    # The largest normalised entropy over the heads: high where any label is in doubt,
    # which is what steers annotation to the sentences worth a person's time.
    uncertainty: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def labels_from_proba(probs: Mapping[str, np.ndarray]) -> list[SentenceLabels]:
    n = len(next(iter(probs.values()))) if probs else 0
    out: list[SentenceLabels] = []
    for i in range(n):
        probabilities: dict[str, dict[str, float]] = {}
        entropy: dict[str, float] = {}
        chosen: dict[str, str] = {}
        for head, labels in HEADS.items():
            p = probs[head][i].astype(np.float64)
            probabilities[head] = {label: round(float(v), 6) for label, v in zip(labels, p)}
            entropy[head] = round(float(-(p * np.log(np.clip(p, 1e-12, 1))).sum() / math.log(len(labels))), 6)
            chosen[head] = labels[int(p.argmax())]
        out.append(SentenceLabels(chosen["role"], chosen["stance"], chosen["risk"] == "true",
                                  probabilities, entropy, max(entropy.values())))
    return out


def record_targets(record: Mapping[str, Any]) -> dict[str, int]:
    return {
        "role": HEADS["role"].index(record["role"]),
        "stance": HEADS["stance"].index(record["stance"]),
        "risk": HEADS["risk"].index(risk_name(bool(record["risk"]))),
    }


@dataclass
class SentenceLabeler:
    trainable_layers: int = 2
    dropout: float = 0.1
    max_length: int = 128
    epochs: int = 12
    batch_size: int = 16
    learning_rate: float = 1e-4
    head_learning_rate: float = 2e-3
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    # "sqrt": weights ~ (n / n_class) ** 0.5, a middle way between none and fully
    # balanced that lifts rare classes without making the model guess them everywhere.
    class_weighting: str = "sqrt"
    patience: int = 3
    seed: int = 13
    device: str = "auto"
    max_steps: int | None = None
    inference: InferenceSettings = field(default_factory=InferenceSettings)

    # ---- learning -----------------------------------------------------------------
    def fit(self, records: Sequence[Mapping[str, Any]], dev_records: Sequence[Mapping[str, Any]] | None = None,
            progress: bool = True, callback: ProgressCallback | None = None,
            prefix_cache: dict[str, torch.Tensor] | None = None) -> "SentenceLabeler":
        """Fine-tune on annotated records (``text``, ``role``, ``stance``, ``risk``).

        ``prefix_cache`` (text -> frozen-layer output) may be shared between fits
        with the same ``trainable_layers`` and ``max_length``, as cross-validation does.
        """
        if not records:
            raise ValueError("fit() needs at least one annotated sentence")
        from accelerate import Accelerator  # imported here: only training needs it

        _seed_everything(self.seed)
        accelerator = Accelerator(cpu=self.device == "cpu",
                                  mixed_precision="bf16" if self.device != "cpu" and torch.cuda.is_available() else "no")
        self.tokenizer_ = AutoTokenizer.from_pretrained(str(base_model_path()), local_files_only=True)
        self.network_ = SentenceClassifier(self.trainable_layers, self.dropout)
        self.config_ = artifacts.model_config(self.trainable_layers, self.dropout, self.max_length)
        self.engine_ = None

        texts = [normalize(r["text"]) for r in records]
        prefixes = self._prefixes(texts, accelerator.device, {} if prefix_cache is None else prefix_cache)
        targets = [record_targets(r) for r in records]
        weights = {head: self._class_weights([t[head] for t in targets], len(labels))
                   for head, labels in HEADS.items()}
        generator = torch.Generator().manual_seed(self.seed)
        loader = torch.utils.data.DataLoader(list(zip(prefixes, targets)), batch_size=self.batch_size, shuffle=True,
                                             generator=generator, collate_fn=self._collate)
        head_params = [p for n, p in self.network_.named_parameters() if p.requires_grad and n.startswith("heads.")]
        body_params = [p for n, p in self.network_.named_parameters() if p.requires_grad and not n.startswith("heads.")]
        optimizer = torch.optim.AdamW([{"params": body_params, "lr": self.learning_rate},
                                       {"params": head_params, "lr": self.head_learning_rate}],
                                      weight_decay=self.weight_decay)
        total = self.epochs * len(loader) if self.max_steps is None else min(self.max_steps, self.epochs * len(loader))
        warmup = max(1, int(self.warmup_ratio * total))
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup))))
        network, optimizer, loader, scheduler = accelerator.prepare(self.network_, optimizer, loader, scheduler)
        losses = {head: torch.nn.CrossEntropyLoss(weight=w.to(accelerator.device)) for head, w in weights.items()}

        best_score, best_state, bad_epochs, step = -1.0, None, 0, 0
        self.history_: list[dict[str, Any]] = []
        bar = tqdm(total=total, desc="training", unit="step", disable=not progress or not accelerator.is_main_process)
        for epoch in range(self.epochs):
            network.train()
            epoch_loss = 0.0
            for hidden, mask, batch_targets in loader:
                logits = network(None, mask, prefix=hidden)
                loss = sum(losses[h](logits[h].float(), batch_targets[h]) for h in HEADS)
                accelerator.backward(loss)
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad()
                step += 1
                epoch_loss += float(loss.detach())
                bar.update(1)
                bar.set_postfix(epoch=epoch + 1, loss=f"{float(loss.detach()):.3f}")
                if callback:
                    callback(step / total, {"epoch": epoch + 1, "loss": float(loss.detach())})
                if step >= total:
                    break
            self.network_ = accelerator.unwrap_model(network)
            entry: dict[str, Any] = {"epoch": epoch + 1, "train_loss": epoch_loss / max(1, len(loader))}
            if dev_records:
                self.engine_ = None
                scores = self.score(dev_records)
                entry.update({f"dev_{h}_macro_f1": s for h, s in scores.items()})
                mean = float(np.mean(list(scores.values())))
                entry["dev_mean_macro_f1"] = mean
                if mean > best_score:
                    best_score, bad_epochs = mean, 0
                    best_state = {k: v.detach().clone() for k, v in self.network_.delta_state_dict().items()}
                else:
                    bad_epochs += 1
            self.history_.append(entry)
            if step >= total or (dev_records and bad_epochs >= self.patience):
                break
        bar.close()
        if best_state is not None:
            self.network_.load_delta(best_state)
        self.network_.eval()
        self.engine_ = None
        return self

    def _class_weights(self, values: list[int], n_labels: int) -> torch.Tensor:
        if self.class_weighting == "none":
            return torch.ones(n_labels)
        counts = Counter(values)
        n = len(values)
        raw = [(n / (n_labels * counts[c])) if counts[c] else 1.0 for c in range(n_labels)]
        if self.class_weighting == "sqrt":
            raw = [math.sqrt(w) for w in raw]
        elif self.class_weighting != "balanced":
            raise ValueError(f"class_weighting must be 'none', 'sqrt' or 'balanced', not {self.class_weighting!r}")
        return torch.tensor(raw, dtype=torch.float32)

    def _prefixes(self, texts: list[str], device: torch.device, cache: dict[str, torch.Tensor]) -> list[torch.Tensor]:
        """Frozen-layer outputs per sentence (unpadded), computed once and cached."""
        missing = [t for t in dict.fromkeys(texts) if t not in cache]
        if missing:
            ids = self.tokenizer_(missing, truncation=True, max_length=self.max_length)["input_ids"]
            network = self.network_.to(device).eval()
            for index in plan_batches([len(x) for x in ids], batch_tokens=CPU_BATCH_TOKENS, max_batch=128):
                input_ids, mask = pad_batch([ids[i] for i in index], self.tokenizer_.pad_token_id or 0)
                hidden = network.frozen_prefix(input_ids.to(device), mask.to(device)).float().cpu()
                for row, i in enumerate(index):
                    cache[missing[i]] = hidden[row, : len(ids[i])].clone()
        return [cache[t] for t in texts]

    @staticmethod
    def _collate(batch: list[tuple[torch.Tensor, dict[str, int]]]):
        width = max(len(h) for h, _ in batch)
        hidden = torch.zeros((len(batch), width, batch[0][0].shape[-1]))
        mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, (h, _) in enumerate(batch):
            hidden[row, : len(h)] = h
            mask[row, : len(h)] = 1
        targets = {head: torch.tensor([t[head] for _, t in batch]) for head in HEADS}
        return hidden, mask, targets

    # ---- predicting -----------------------------------------------------------------
    def _engine(self) -> Engine:
        if not hasattr(self, "network_"):
            raise NotFittedError("This SentenceLabeler is not fitted yet: call fit(records) or SentenceLabeler.load(dir).")
        if getattr(self, "engine_", None) is None:
            settings = InferenceSettings(**{**asdict(self.inference), "max_length": self.max_length})
            self.engine_ = Engine(self.network_, self.tokenizer_, settings)
        return self.engine_

    def predict_proba(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        return self._engine().predict_proba([normalize(t) for t in texts])

    def predict(self, texts: Sequence[str]) -> list[SentenceLabels]:
        return labels_from_proba(self.predict_proba(texts))

    def score(self, records: Sequence[Mapping[str, Any]]) -> dict[str, float]:
        """Macro-F1 per head on annotated records."""
        probs = self.predict_proba([r["text"] for r in records])
        scores = {}
        for head in HEADS:
            truth = [record_targets(r)[head] for r in records]
            scores[head] = float(f1_score(truth, probs[head].argmax(1), average="macro",
                                          labels=sorted(set(truth)), zero_division=0))
        return scores

    @property
    def version(self) -> str:
        if not hasattr(self, "network_"):
            raise NotFittedError("This SentenceLabeler is not fitted yet.")
        return getattr(self, "training_", {}).get("version", "unversioned")

    # ---- persistence ----------------------------------------------------------------
    def settings(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("inference")
        return data

    def save(self, directory: str | Path, training: dict[str, Any] | None = None,
             metrics: dict[str, Any] | None = None) -> Path:
        if not hasattr(self, "network_"):
            raise NotFittedError("Nothing to save: this SentenceLabeler is not fitted yet.")
        path = Path(directory)
        path.mkdir(parents=True, exist_ok=True)
        training = {**getattr(self, "training_", {}), **(training or {})}
        training.setdefault("settings", self.settings())
        training.setdefault("history", getattr(self, "history_", []))
        metrics = metrics if metrics is not None else getattr(self, "metrics_", {})
        artifacts.save_weights(path, self.network_.delta_state_dict())
        artifacts.write_json(path / "config.json", self.config_)
        artifacts.write_json(path / "training.json", training)
        artifacts.write_json(path / "metrics.json", metrics)
        (path / "README.md").write_text(render_card(self.config_, training, metrics), encoding="utf-8")
        self.training_, self.metrics_ = training, metrics
        return path

    @classmethod
    def load(cls, directory: str | Path, inference: InferenceSettings | None = None) -> "SentenceLabeler":
        path = Path(directory)
        if not path.is_dir():
            raise artifacts.ModelFormatError(f"{path} is not a directory holding an argmine model")
        config = artifacts.read_json(path / "config.json")
        artifacts.check_config(config, path)
        training = artifacts.read_json(path / "training.json")
        known = {k: v for k, v in training.get("settings", {}).items() if k in cls.__dataclass_fields__}
        known.update(trainable_layers=config["trainable_layers"], dropout=config["dropout"],
                     max_length=config["max_length"])
        labeler = cls(**known, inference=inference or InferenceSettings())
        network = SentenceClassifier(config["trainable_layers"], config["dropout"])
        network.load_delta(artifacts.load_weights(path))
        labeler.network_ = network.eval()
        labeler.tokenizer_ = AutoTokenizer.from_pretrained(str(base_model_path()), local_files_only=True)
        labeler.config_ = config
        labeler.training_ = training
        labeler.metrics_ = artifacts.read_json(path / "metrics.json")
        labeler.engine_ = None
        return labeler


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
