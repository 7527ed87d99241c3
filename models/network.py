"""The network: one MiniLM forward per sentence, mean pooling, three heads.

Only the top ``trainable_layers`` encoder layers and the heads are fine-tuned; the
rest stays the packaged base encoder. That keeps a saved model small (it stores
only what differs from the base) and makes CPU training cheap, since gradients
never flow into the frozen lower layers.
"""

from __future__ import annotations

import torch
from torch import nn
from transformers import AutoModel

from argmine.models.encoder import base_model_path
from argmine.models.scheme import HEADS


class SentenceClassifier(nn.Module):
    def __init__(self, trainable_layers: int = 2, dropout: float = 0.1, heads: dict[str, tuple[str, ...]] = HEADS):
        super().__init__()
        self.encoder = AutoModel.from_pretrained(str(base_model_path()), local_files_only=True)
        hidden = self.encoder.config.hidden_size
        self.dropout = nn.Dropout(dropout)
        self.heads = nn.ModuleDict({name: nn.Linear(hidden, len(labels)) for name, labels in heads.items()})
        self.trainable_layers = trainable_layers
        self._freeze(trainable_layers)

    def _freeze(self, trainable_layers: int) -> None:
        for param in self.encoder.parameters():
            param.requires_grad = False
        layers = self.encoder.encoder.layer
        if trainable_layers > len(layers):
            raise ValueError(f"trainable_layers={trainable_layers}, but the encoder has {len(layers)} layers")
        for layer in layers[len(layers) - trainable_layers:]:
            for param in layer.parameters():
                param.requires_grad = True

    def forward(self, input_ids: torch.Tensor | None, attention_mask: torch.Tensor,
                prefix: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Logits per head, from token ids or from cached ``frozen_prefix`` output.

        Both go through ``forward`` so a DDP-wrapped model (accelerate, torchrun)
        synchronises gradients either way.
        """
        if prefix is not None:
            return self.forward_from_prefix(prefix, attention_mask)
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return self._classify(hidden, attention_mask)

    def _classify(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> dict[str, torch.Tensor]:
        pooled = self.dropout(mean_pool(hidden, attention_mask))
        return {name: head(pooled) for name, head in self.heads.items()}

    # Training runs the frozen lower layers once per sentence and caches what they
    # output (``frozen_prefix``); each step then runs only the trainable top layers
    # (``forward_from_prefix``). Same function as ``forward``, a fraction of the cost.
    @property
    def n_frozen(self) -> int:
        return len(self.encoder.encoder.layer) - self.trainable_layers

    def _layer_mask(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.encoder._create_attention_masks(attention_mask, None, hidden, None, None)[0]

    @torch.no_grad()
    def frozen_prefix(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder.embeddings(input_ids=input_ids)
        mask = self._layer_mask(hidden, attention_mask)
        for layer in self.encoder.encoder.layer[: self.n_frozen]:
            hidden = layer(hidden, mask)
        return hidden

    def forward_from_prefix(self, hidden: torch.Tensor, attention_mask: torch.Tensor) -> dict[str, torch.Tensor]:
        mask = self._layer_mask(hidden, attention_mask)
        for layer in self.encoder.encoder.layer[self.n_frozen:]:
            hidden = layer(hidden, mask)
        return self._classify(hidden, attention_mask)

    def delta_state_dict(self) -> dict[str, torch.Tensor]:
        """The parameters that differ from the base encoder: what a saved model stores."""
        return {name: p.detach().contiguous() for name, p in self.named_parameters() if p.requires_grad}

    def load_delta(self, state: dict[str, torch.Tensor]) -> None:
        expected = set(self.delta_state_dict())
        if set(state) != expected:
            missing, extra = sorted(expected - set(state)), sorted(set(state) - expected)
            raise ValueError(f"weights do not match the architecture: missing {missing[:5]}, unexpected {extra[:5]}")
        self.load_state_dict(state, strict=False)


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean over real tokens: how all-MiniLM-L6-v2 was trained to embed sentences."""
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
