"""The label scheme the classifier predicts (see annotations/GUIDELINES.md).

The order of each list is part of a saved model's format: head outputs are
indexed by it, so a model saved with another order or other names is refused.
"""

from __future__ import annotations

ROLES: tuple[str, ...] = ("claim", "premise", "none")
STANCES: tuple[str, ...] = ("populist", "pluralist", "skeptical", "none")
RISKS: tuple[str, ...] = ("false", "true")
HEADS: dict[str, tuple[str, ...]] = {"role": ROLES, "stance": STANCES, "risk": RISKS}
SCHEME_VERSION = 1


def risk_name(value: bool) -> str:
    return "true" if value else "false"
