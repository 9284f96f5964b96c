"""Clustering agreement: pair counting and B-cubed precision, recall and F1.

Both compare a predicted clustering with a gold one over the same items. Pair counting asks of
every pair of items whether both clusterings put them together; it is dominated by large
clusters. B-cubed (Bagga & Baldwin 1998) scores each item by how much its predicted cluster
overlaps its gold cluster and averages over items, so every article counts the same.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class PRF:
    precision: float
    recall: float
    f1: float


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _check(predicted: Mapping[Hashable, Hashable], gold: Mapping[Hashable, Hashable]) -> None:
    if set(predicted) != set(gold):
        missing = len(set(gold) - set(predicted))
        extra = len(set(predicted) - set(gold))
        raise ValueError(f"predicted and gold must label the same items ({missing} missing from "
                         f"the prediction, {extra} not in gold)")


def pair_scores(predicted: Mapping[Hashable, Hashable],
                gold: Mapping[Hashable, Hashable]) -> PRF:
    """Pair-counting precision, recall and F1 (item → cluster label, for both clusterings).

    With no predicted pairs at all precision is 1 (nothing wrong was claimed); with no gold
    pairs recall is 1 (there was nothing to find).
    """
    _check(predicted, gold)

    def pairs(counts: Counter) -> int:
        return sum(n * (n - 1) // 2 for n in counts.values())

    together = pairs(Counter((predicted[i], gold[i]) for i in gold))
    predicted_pairs = pairs(Counter(predicted.values()))
    gold_pairs = pairs(Counter(gold.values()))
    precision = together / predicted_pairs if predicted_pairs else 1.0
    recall = together / gold_pairs if gold_pairs else 1.0
    return PRF(precision, recall, _f1(precision, recall))


def bcubed_scores(predicted: Mapping[Hashable, Hashable],
                  gold: Mapping[Hashable, Hashable]) -> PRF:
    """B-cubed precision, recall and F1 (item → cluster label, for both clusterings)."""
    _check(predicted, gold)
    if not gold:
        return PRF(1.0, 1.0, 1.0)
    both = Counter((predicted[i], gold[i]) for i in gold)
    predicted_size = Counter(predicted.values())
    gold_size = Counter(gold.values())
    precision = recall = 0.0
    for (p, g), n in both.items():
        # n items share this (predicted, gold) cell; each of them sees n correct companions.
        precision += n * n / predicted_size[p]
        recall += n * n / gold_size[g]
    precision /= len(gold)
    recall /= len(gold)
    return PRF(precision, recall, _f1(precision, recall))
