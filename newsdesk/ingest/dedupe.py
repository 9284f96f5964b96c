"""Recognising an article newsdesk already has: same URL, same text, or nearly the same text.

Three levels, cheapest first:

1. **URL** — ``canonical_url`` strips what does not change the page (tracking parameters,
   fragments, default ports, a trailing slash, parameter order), so a link shared with
   ``?utm_source=…`` is known before it is fetched.
2. **Exact text** — ``content_hash`` of the normalised text: one article under two URLs.
3. **Near-duplicate text** — a 64-bit SimHash over word 3-shingles finds candidates within
   ``NEAR_DISTANCE`` bits; a candidate counts only if the two texts also share at least
   ``MIN_RESEMBLANCE`` of their shingles. That is wire copy republished by another outlet with
   a new headline, its own credit line or a trimmed sentence. Independent reports of the same
   event share facts but not wording, and stay separate articles.

A near-duplicate keeps the text first stored and records every outlet that carried it
(``Article.carriers``).
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
import threading
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import numpy as np

from newsdesk.models import Article, Carrier
from newsdesk.store import Store

# ------------------------------------------------------------------ URLs

# Query parameters that only say how a reader arrived (campaigns, ad clicks, newsletters).
_TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid",
    "ttclid", "igshid", "li_fat_id", "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi",
    "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id", "vero_conv", "wickedid", "s_cid",
    "cmpid", "ncid", "ocid", "sr_share", "spm", "share", "smid", "cmp", "ito", "rss",
    "__twitter_impression", "ref_src", "ref_url",
})
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "at_medium", "at_campaign")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name in _TRACKING_PARAMS or name.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """The form of a URL newsdesk stores and compares (only http(s) URLs are changed)."""
    url = url.strip()
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return url
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return url
    host = parts.hostname.lower().rstrip(".")
    if ":" in host:
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    # Most publishing systems serve /story and /story/ as one page (one redirects).
    path = re.sub(r"/{2,}", "/", parts.path or "/")
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    path = quote(path, safe="/%:@!$&'()*+,;=-._~")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not _is_tracking(k)]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


# ------------------------------------------------------------------ text fingerprints

_WORD = re.compile(r"\w+")
SHINGLE = 3  # words per shingle
NEAR_DISTANCE = 16  # max SimHash bits apart for a near-duplicate candidate (see docs/ingest.md)
MIN_RESEMBLANCE = 0.6  # shared shingles / shingles of the shorter text, to confirm one
MIN_SHINGLES = 20  # texts shorter than this are compared by exact hash only


def words(text: str) -> list[str]:
    """Words of a text, normalised: Unicode NFKC, case-folded, punctuation dropped."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def content_hash(text: str) -> str:
    """The same for two texts that differ only in case, spacing and punctuation."""
    return hashlib.sha256(" ".join(words(text)).encode("utf-8")).hexdigest()


def shingles(text: str) -> set[str]:
    tokens = words(text)
    if len(tokens) < SHINGLE:
        return {" ".join(tokens)} if tokens else set()
    return {" ".join(tokens[i:i + SHINGLE]) for i in range(len(tokens) - SHINGLE + 1)}


def simhash(text: str) -> int:
    """64-bit SimHash over word 3-shingles; 0 for an empty text."""
    features = shingles(text)
    if not features:
        return 0
    digests = b"".join(hashlib.blake2b(f.encode("utf-8"), digest_size=8).digest()
                       for f in features)
    bits = np.unpackbits(np.frombuffer(digests, dtype=np.uint8)).reshape(len(features), 64)
    votes = bits.sum(axis=0, dtype=np.int64) * 2 - len(features)
    value = 0
    for bit in np.flatnonzero(votes > 0):
        value |= 1 << (63 - int(bit))
    return value


def resemblance(a: set[str], b: set[str]) -> float:
    """Share of the smaller shingle set found in the other (1.0: one text contains the other)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def fingerprint(article: Article) -> Article:
    """Fill in the article's content hash and SimHash (from its text)."""
    article.content_hash = content_hash(article.text)
    article.simhash = simhash(article.text)
    return article


# ------------------------------------------------------------------ the de-duplicator


@dataclass
class Verdict:
    kind: str  # "new" | "duplicate" | "syndicated"
    article_id: int


class Deduper:
    """Decides, and records, whether an article is new: one per run, thread-safe.

    ``add`` is the only way the ingest step stores an article, so the check and the insert
    happen under one lock and two threads cannot both store the same wire story.
    """

    def __init__(self, store: Store, max_distance: int = NEAR_DISTANCE,
                 min_resemblance: float = MIN_RESEMBLANCE):
        self.store = store
        self.max_distance = max_distance
        self.min_resemblance = min_resemblance
        self._lock = threading.Lock()
        # All stored SimHashes in memory (8 bytes an article): the store's band index finds
        # only hashes within 3 bits, too few for a trimmed sentence; a scan finds them all.
        ids, hashes = store.simhashes()
        self._ids = list(ids)
        self._hashes = np.array(hashes, dtype=np.uint64)

    def known(self, url: str) -> int | None:
        """The id of the article stored under this URL (checked before anything is fetched)."""
        return self.store.known_url(canonical_url(url))

    def add(self, article: Article) -> Verdict:
        """Store the article, or fold it into the one it duplicates; say which happened."""
        article.url = canonical_url(article.url)
        fingerprint(article)
        with self._lock:
            found = self.store.known_url(article.url)
            if found is not None:
                return Verdict("duplicate", found)
            found = self.store.article_id_by_hash(article.content_hash)
            if found is None:
                found = self._near_duplicate(article)
            if found is not None:
                return self._fold(found, article)
            article.carriers = [_carrier(article)]
            try:
                self.store.add_article(article)
            except sqlite3.IntegrityError:
                # Another process stored the same URL or text a moment ago.
                found = (self.store.known_url(article.url)
                         or self.store.article_id_by_hash(article.content_hash))
                if found is None:
                    raise
                return self._fold(found, article)
            assert article.id is not None
            self._ids.append(article.id)
            self._hashes = np.append(self._hashes, np.uint64(article.simhash))
            return Verdict("new", article.id)

    def _near_duplicate(self, article: Article) -> int | None:
        mine = shingles(article.text)
        if len(mine) < MIN_SHINGLES:
            return None
        candidates = set(self.store.near_duplicates(article.simhash, self.max_distance))
        if len(self._hashes):
            distance = np.bitwise_count(self._hashes ^ np.uint64(article.simhash))
            candidates.update(self._ids[i] for i in np.flatnonzero(distance <= self.max_distance))
        best, best_score = None, self.min_resemblance
        for other in self.store.get_articles(sorted(candidates)):
            score = resemblance(mine, shingles(other.text))
            if score >= best_score:
                best, best_score = other.id, score
        return best

    def _fold(self, article_id: int, article: Article) -> Verdict:
        stored = self.store.get_article(article_id)
        outlets = {c.outlet for c in stored.carriers} | {stored.outlet} if stored else set()
        self.store.add_carrier(article_id, _carrier(article))
        kind = "duplicate" if article.outlet in outlets else "syndicated"
        return Verdict(kind, article_id)


def _carrier(article: Article) -> Carrier:
    return Carrier(article.outlet, article.url, article.title, article.published_at)
