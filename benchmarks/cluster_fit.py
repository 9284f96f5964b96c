"""Fit the weights of the grouping match score (``GroupConfig``) on the development files.

    .venv/bin/python benchmarks/cluster_fit.py [--embed-cache /tmp/vectors.db]

The articles of clustering_allsides_2021.jsonl (with dates, and once more with the dates
removed, as an undated feed on a crowded topic mix) and clustering_multinews_val.jsonl (long,
untitled, undated) arrive in order through a ``StoryIndex`` that always files each article
into its gold story ("teacher forcing"). Every candidate story the index offers on the way
gives one row of features, labelled 1 when it is the article's gold story. A logistic
regression over those rows gives one set of weights for every kind of feed; its intercept is
the bias. The script then runs the real online pass with the fitted weights on each file and
prints B-cubed F1 for a few decision thresholds, so the defaults in ``GroupConfig`` can be
checked against what it prints.
"""

from __future__ import annotations

import argparse
from dataclasses import replace

import numpy as np

from newsdesk.evaluation.cluster import arrival_order, embed_rows, group_rows, load_rows, scores
from newsdesk.evaluation.common import resolve_dataset
from newsdesk.group.index import FEATURES, GroupConfig, StoryIndex
from newsdesk.understand.embed import CachedEmbedder, get_embedder

DEV_FILES = ("clustering_allsides_2021.jsonl", "clustering_multinews_val.jsonl")


def teacher_forced_rows(rows, docs, config: GroupConfig) -> tuple[np.ndarray, np.ndarray]:
    index = StoryIndex(config, dim=docs[0].vector.shape[0])
    story_of_gold: dict[str, int] = {}
    features, labels = [], []
    for i in arrival_order(rows):
        found = index.candidates(docs[i], count=True)
        gold_story = story_of_gold.get(rows[i].gold)
        if len(found.stories):
            features.append(found.features)
            labels.append(found.stories == gold_story)
        story_of_gold[rows[i].gold] = index.join(docs[i], gold_story)
    return np.vstack(features), np.concatenate(labels).astype(int)


def main() -> None:
    from sklearn.linear_model import LogisticRegression

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--embed-cache", help="a store file that caches the embeddings")
    parser.add_argument("--C", type=float, default=1.0, help="inverse regularisation strength")
    args = parser.parse_args()
    embedder = get_embedder("minilm")
    if args.embed_cache:
        from newsdesk.store import Store

        embedder = CachedEmbedder(embedder, Store.open(args.embed_cache))
    config = GroupConfig()
    sets = []
    for name in DEV_FILES:
        rows = load_rows(resolve_dataset(name))
        docs = embed_rows(rows, embedder, config)
        sets.append((name, rows, docs))
        if any(r.when for r in rows):
            undated = [replace(r, when=None) for r in rows]
            sets.append((f"{name} (dates removed)",
                         undated, [replace(d, when=None) for d in docs]))
    xs, ys = [], []
    for name, rows, docs in sets:
        x, y = teacher_forced_rows(rows, docs, config)
        print(f"{name}: {len(y)} candidate rows, {y.sum()} positive")
        xs.append(x)
        ys.append(y)
    model = LogisticRegression(C=args.C, max_iter=2000).fit(np.vstack(xs), np.concatenate(ys))
    weights = dict(zip(FEATURES, model.coef_[0].tolist(), strict=True))
    print("weights:", {k: round(v, 3) for k, v in weights.items()},
          "bias:", round(-float(model.intercept_[0]), 3))
    fitted = config.with_weights(weights, bias=-float(model.intercept_[0]))
    for threshold in (-0.5, 0.0, 0.5, 1.0):
        line = []
        for name, rows, docs in sets:
            index, _ = group_rows(rows, docs, replace(fitted, threshold=threshold))
            figures = scores(index.labels(), {r.id: r.gold for r in rows})
            line.append(f"{name.split('_')[1]}{'-undated' if 'removed' in name else ''} "
                        f"{figures['bcubed_f1']:.3f}")
        print(f"threshold {threshold:+.1f}: " + " | ".join(line))


if __name__ == "__main__":
    main()
