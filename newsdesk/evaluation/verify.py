"""Factual-consistency evaluation of the checker, with baselines from the same run.

Input: the consistency JSONL of ../shared/eval (``document``, ``summary_sentence``, ``label``
1 = supported). Each row's document becomes a one-source story; the summary (one sentence in
QAGS, a whole summary in SummEdits) is split into sentences, each is checked, and the row is
supported when every sentence is (its score is the lowest sentence score).

Beside newsdesk, on the same rows:

* ``unigram_overlap``: the share of the summary's content words (stemmed) found in the document;
* ``bigram_overlap``: the share of its word bigrams found in the document;
* ``embedding_max_similarity``: per summary sentence, the best cosine similarity (MiniLM) to a
  document sentence; the row takes its weakest sentence.

Thresholds. newsdesk decides with its own fixed configuration (``CheckerConfig``): hard
problems (a number, name, day, outcome, weapon, negation or quote the sources do not bear out)
reject a sentence outright; otherwise its best evidence sentence must reach a similarity floor
(0.69: the best mean balanced accuracy over ``consistency_qags.jsonl`` and
``consistency_summedits_news.jsonl``, equal weight), and a *partial copy* (30-80% of its
four-word runs in one source sentence) must reach a stricter floor (0.79) against the sentence
it copies. QAGS's errors are mostly cut-and-rejoined copies; SummEdits's consistent rows are
paraphrases in new words, which the stricter floor leaves alone. Band and copy floor were
chosen by 5-fold cross-validation over both files at once (folds contiguous, so documents stay
together), maximising min(BA_QAGS - 0.75, BA_SummEdits - 0.62) on the training folds: most
folds pick (0.3-0.8, 0.79); held-out fold medians 0.760 on QAGS and 0.642 on SummEdits. Each
baseline's threshold is the one that maximises balanced accuracy on ``consistency_qags.jsonl``
(``BASELINE_THRESHOLDS``, recomputed with ``newsdesk eval verify consistency_qags.jsonl
--calibrate``); both are applied unchanged to every other file. ROC AUC needs no threshold.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from newsdesk.evaluation.common import read_jsonl
from newsdesk.understand.sentences import split_sentences
from newsdesk.verify.checker import DEFAULT_CONFIG, CheckerConfig, SourceDoc, Verifier
from newsdesk.verify.text import bigrams, stems

CALIBRATION_FILE = "consistency_qags.jsonl"
# Chosen on consistency_qags.jsonl (all rows) by `--calibrate`: the best balanced accuracy.
BASELINE_THRESHOLDS = {
    "unigram_overlap": 0.947,
    "bigram_overlap": 0.889,
    "embedding_max_similarity": 0.879,
}
METHODS = ("newsdesk", "unigram_overlap", "bigram_overlap", "embedding_max_similarity")


@dataclass
class RowResult:
    label: int
    scores: dict[str, float]
    supported: bool  # newsdesk's decision
    reasons: list[str] = field(default_factory=list)


def balanced_accuracy(labels: list[int], predicted: list[bool]) -> float:
    pos = [p for y, p in zip(labels, predicted, strict=True) if y == 1]
    neg = [p for y, p in zip(labels, predicted, strict=True) if y == 0]
    if not pos or not neg:
        return float("nan")
    return 0.5 * (sum(pos) / len(pos) + sum(1 for p in neg if not p) / len(neg))


def roc_auc(labels: list[int], scores: list[float]) -> float:
    """Probability that a supported row scores above an unsupported one (ties count half)."""
    y = np.asarray(labels)
    s = np.asarray(scores, dtype=np.float64)
    pos, neg = s[y == 1], s[y == 0]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    allv = np.concatenate([pos, neg])[order]
    ranks = np.empty(len(allv))
    # average ranks over ties
    i = 0
    while i < len(allv):
        j = i
        while j + 1 < len(allv) and allv[j + 1] == allv[i]:
            j += 1
        ranks[i:j + 1] = (i + j) / 2 + 1
        i = j + 1
    rank_of = np.empty(len(allv))
    rank_of[order] = ranks
    pos_ranks = rank_of[:len(pos)].sum()
    return float((pos_ranks - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def best_threshold(labels: list[int], scores: list[float]) -> float:
    """The threshold (score >= t means supported) with the best balanced accuracy."""
    candidates = sorted(set(round(s, 3) for s in scores))
    best_t, best_ba = 0.5, -1.0
    for t in candidates:
        ba = balanced_accuracy(labels, [s >= t for s in scores])
        if ba > best_ba:
            best_t, best_ba = t, ba
    return best_t


def score_rows(rows: list[dict], embedder=None, config: CheckerConfig = DEFAULT_CONFIG,
               progress: Callable[[int], None] | None = None) -> list[RowResult]:
    """newsdesk's verdicts and every baseline's score for each row (rows sharing a document
    share one ``Verifier``, as a story's sentences share their sources)."""
    from newsdesk.understand.embed import get_embedder

    embedder = embedder or get_embedder("minilm")
    out: list[RowResult] = []
    verifiers: dict[str, Verifier] = {}
    for row in rows:
        doc = row["document"]
        verifier = verifiers.get(doc)
        if verifier is None:
            verifiers.clear()  # rows come grouped by document; keep memory flat
            verifier = verifiers[doc] = Verifier([SourceDoc(1, "document", doc)],
                                                 embedder=embedder, config=config)
        summary = row["summary_sentence"].strip()
        parts = split_sentences(summary) or [summary]
        verdicts = verifier.check_many([(p, [1]) for p in parts])
        scores = {"newsdesk": min(v.score for v in verdicts)}
        supported = all(v.supported for v in verdicts)

        doc_stems = set(stems(doc))
        doc_bigrams = bigrams(stems(doc, content_only=False))
        sum_stems = stems(summary)
        sum_bigrams = bigrams(stems(summary, content_only=False))
        scores["unigram_overlap"] = (sum(t in doc_stems for t in sum_stems) / len(sum_stems)
                                     if sum_stems else 1.0)
        scores["bigram_overlap"] = (sum(b in doc_bigrams for b in sum_bigrams) / len(sum_bigrams)
                                    if sum_bigrams else 1.0)
        vectors = verifier.embedder.embed(parts)
        sims = vectors @ verifier._vectors.T if verifier._vectors.shape[0] else np.zeros((1, 1))
        scores["embedding_max_similarity"] = float(sims.max(axis=1).min())
        out.append(RowResult(int(row["label"]), scores, supported,
                             [v.reason for v in verdicts if not v.supported]))
        if progress:
            progress(1)
    return out


def figures(results: list[RowResult], thresholds: dict[str, float] | None = None) -> dict:
    """Balanced accuracy and ROC AUC per method (fractions)."""
    thresholds = thresholds or BASELINE_THRESHOLDS
    labels = [r.label for r in results]
    out: dict[str, dict[str, float]] = {}
    for method in METHODS:
        scores = [r.scores[method] for r in results]
        if method == "newsdesk":
            predicted = [r.supported for r in results]
        else:
            predicted = [s >= thresholds[method] for s in scores]
        out[method] = {"balanced_accuracy": balanced_accuracy(labels, predicted),
                       "roc_auc": roc_auc(labels, scores)}
        if method != "newsdesk":
            out[method]["threshold"] = thresholds[method]
    return out


def calibrate(results: list[RowResult]) -> dict[str, float]:
    labels = [r.label for r in results]
    return {m: best_threshold(labels, [r.scores[m] for r in results])
            for m in METHODS if m != "newsdesk"}


def load_rows(path: str | Path, limit: int | None = None) -> list[dict]:
    rows = read_jsonl(path, limit)
    bad = [i for i, r in enumerate(rows) if not {"document", "summary_sentence", "label"} <= r.keys()]
    if bad:
        raise ValueError(f"{path}: row {bad[0] + 1} lacks document/summary_sentence/label; "
                         "is this a consistency file (see ../shared/eval/README.md)?")
    return rows


def to_json(fig: dict) -> str:
    return json.dumps(fig, indent=2)
