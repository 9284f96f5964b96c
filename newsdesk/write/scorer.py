"""Sentence salience: a few feature weights, fitted on editors' summaries, shipped as JSON.

The weights in ``scorer_weights.json`` were fitted by ``benchmarks/summarize_fit_scorer.py``:
each publishable sentence of the development stories is labelled by how much of the editor's
summary it covers (ROUGE against the reference), the features of ``plan.FEATURES`` are
standardised, and a ridge regression is fitted with story-grouped cross-validation on both
development datasets at once (so no dataset's quirks dominate). The file records how it was
made and the cross-validated figures, so it can be refitted and compared.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newsdesk.write.plan import StoryPlan

WEIGHTS_FILE = Path(__file__).with_name("scorer_weights.json")


@dataclass
class LinearScorer:
    """score = intercept + Σ coef · (feature − mean) / scale, over the named features."""

    features: list[str]
    coef: list[float]
    mean: list[float]
    scale: list[float]
    intercept: float = 0.0
    meta: dict = field(default_factory=dict)

    def score(self, features: dict[str, float]) -> float:
        total = self.intercept
        for name, c, m, s in zip(self.features, self.coef, self.mean, self.scale, strict=True):
            total += c * (features.get(name, 0.0) - m) / (s or 1.0)
        return total

    def score_plan(self, plan: StoryPlan) -> None:
        for s in plan.sentences:
            s.score = self.score(s.features) if s.features else -math.inf

    def to_dict(self) -> dict:
        return {"features": self.features, "coef": self.coef, "mean": self.mean,
                "scale": self.scale, "intercept": self.intercept, "meta": self.meta}

    @classmethod
    def from_dict(cls, d: dict) -> LinearScorer:
        return cls(list(d["features"]), [float(x) for x in d["coef"]],
                   [float(x) for x in d["mean"]], [float(x) for x in d["scale"]],
                   float(d.get("intercept", 0.0)), dict(d.get("meta", {})))

    def save(self, path: Path = WEIGHTS_FILE) -> None:
        path.write_text(json.dumps(self.to_dict(), indent=1) + "\n")


# Used only when the fitted file is missing: lead position, centrality and agreement, the
# three signals every extractive summariser of news starts from.
PRIOR = LinearScorer(
    features=["pos_inv", "centrality", "agreement", "opening"],
    coef=[1.0, 1.0, 0.5, -0.5], mean=[0.0] * 4, scale=[1.0] * 4,
    meta={"source": "hand-set prior (no fitted weights found)"})


@lru_cache(maxsize=1)
def default_scorer() -> LinearScorer:
    """The shipped, fitted scorer (the hand-set prior if the weights file is missing)."""
    if WEIGHTS_FILE.is_file():
        return LinearScorer.from_dict(json.loads(WEIGHTS_FILE.read_text()))
    return PRIOR
