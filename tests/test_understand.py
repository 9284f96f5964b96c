"""Sentence splitting and embeddings: the real packaged model, offline."""

import numpy as np
import pytest

from newsdesk.store import Store
from newsdesk.understand.embed import (
    CachedEmbedder,
    MiniLMEmbedder,
    TfidfEmbedder,
    get_embedder,
)
from newsdesk.understand.sentences import split_article, split_sentences


def test_sentences_respect_abbreviations_and_paragraphs():
    text = ("Dr. Ilse Varga arrived at 6 a.m. on Monday. The U.N. envoy followed.\n\n"
            "Rescue crews worked through the night.")
    spans = split_article(text)
    assert [s.text for s in spans] == [
        "Dr. Ilse Varga arrived at 6 a.m. on Monday.",
        "The U.N. envoy followed.",
        "Rescue crews worked through the night.",
    ]
    assert [s.paragraph for s in spans] == [0, 0, 1]
    assert [s.position for s in spans] == [0, 1, 2]
    assert split_sentences("") == []


@pytest.fixture(scope="module")
def minilm():
    return get_embedder("minilm")


def test_minilm_puts_paraphrases_closer_than_unrelated_news(minilm):
    vectors = minilm.embed([
        "A drone struck the border post on Monday, injuring one soldier.",
        "One soldier was hurt when an unmanned aircraft hit the frontier outpost Monday.",
        "The central bank raised its main interest rate by a quarter point.",
    ])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    sims = vectors @ vectors.T
    assert sims[0, 1] > 0.5 > sims[0, 2]


def test_minilm_gives_the_same_vector_whatever_the_batch(minilm):
    alone = minilm.embed(["Floodwater reached the old town square."])
    batched = minilm.embed(["Short.", "Floodwater reached the old town square.",
                            "A much longer sentence about the harbour authority's plans " * 5])
    assert np.allclose(alone[0], batched[1], atol=1e-4)
    assert minilm.embed([]).shape == (0, 384)


def test_a_tampered_model_file_is_refused(tmp_path, monkeypatch):
    import newsdesk.understand.embed as embed

    monkeypatch.setattr(embed, "MODEL_SHA256", "0" * 64)
    with pytest.raises(embed.EmbedderUnavailable, match="sha256"):
        MiniLMEmbedder()


def test_tfidf_fallback_needs_no_model_and_ignores_stop_words():
    embedder = TfidfEmbedder()
    a, b, c = embedder.embed(["The harbour ferry was cancelled", "ferry cancelled at harbour",
                              "the and of"])
    assert a @ b > 0.99
    assert not c.any()


def test_cached_embedder_embeds_each_text_once(tmp_path):
    calls = []

    class Counting:
        name, dim = "counting", 2

        def embed(self, texts):
            calls.extend(texts)
            return np.ones((len(texts), 2), dtype=np.float32) / np.sqrt(2)

    with Store.open(tmp_path / "nd.db") as store:
        cached = CachedEmbedder(Counting(), store)
        cached.embed(["a", "b", "a"])
        out = cached.embed(["b", "c"])
    assert calls == ["a", "b", "c"]
    assert out.shape == (2, 2)
