"""One sentence's labels, apart from the model code: building answers needs no torch.

``models.labeler`` produces them; the service rebuilds them from its compact
predictions (``service.predictor``) in processes that may never load a model.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


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
