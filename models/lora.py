"""Low-rank adapters (LoRA) on the linear layers of the trainable encoder layers.

A full fine-tune of all-mpnet-base-v2 would store 420 MB per model; adapters of
rank 16 store ~10 MB and, trained with a higher learning rate, come close to it.
The base weights stay frozen and are never saved: a model directory holds only
the adapters (``...lora_a`` / ``...lora_b``), the layer norms and the heads.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class LoRALinear(nn.Module):
    """``base(x) + (x A^T) B^T * alpha / rank``; B starts at zero, so training starts at the base."""

    def __init__(self, base: nn.Linear, rank: int, alpha: float, dropout: float = 0.0):
        super().__init__()
        self.base = base
        self.rank = rank
        self.scale = alpha / rank
        self.lora_a = nn.Parameter(torch.empty(rank, base.in_features))
        self.lora_b = nn.Parameter(torch.zeros(base.out_features, rank))
        nn.init.kaiming_uniform_(self.lora_a, a=math.sqrt(5))
        self.dropout = nn.Dropout(dropout) if dropout else nn.Identity()
        for param in self.base.parameters():
            param.requires_grad = False

    @property
    def weight(self) -> torch.Tensor:  # some callers read .weight (dtype, device)
        return self.base.weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        update = (self.dropout(x) @ self.lora_a.to(x.dtype).T) @ self.lora_b.to(x.dtype).T
        return self.base(x) + update * self.scale


def add_adapters(module: nn.Module, rank: int, alpha: float, dropout: float = 0.0) -> int:
    """Wrap every ``nn.Linear`` under ``module`` in place; returns how many were wrapped."""
    wrapped = 0
    for name, child in list(module.named_children()):
        if isinstance(child, nn.Linear):
            setattr(module, name, LoRALinear(child, rank, alpha, dropout))
            wrapped += 1
        else:
            wrapped += add_adapters(child, rank, alpha, dropout)
    return wrapped
