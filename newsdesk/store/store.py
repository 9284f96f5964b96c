"""The article store: every read and write of newsdesk's SQLite file goes through ``Store``.

Other steps receive and hand back the dataclasses of ``newsdesk.models``; none of them sees SQL.
The file runs in WAL mode so the web server can read while ``fetch``/``run`` writes, and every
multi-row change is one transaction, so a crash loses at most the change in flight.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from newsdesk.models import (
    Article,
    ArticleRef,
    Carrier,
    Source,
    StoryCluster,
    StoryVersion,
    VerifiedChange,
    story_from_dict,
    story_to_dict,
    utcnow,
)
from newsdesk.store.schema import MIGRATIONS, SCHEMA_VERSION


class StoreError(RuntimeError):
    pass


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _signed(value: int) -> int:
    """SQLite integers are signed 64-bit; simhashes are unsigned."""
    return value - (1 << 64) if value >= 1 << 63 else value


def _unsigned(value: int) -> int:
    return value + (1 << 64) if value < 0 else value


def simhash_bands(value: int) -> tuple[int, int, int, int]:
    """Four 16-bit bands: two simhashes within 3 bits share at least one band exactly."""
    return tuple((value >> (16 * i)) & 0xFFFF for i in range(4))  # type: ignore[return-value]


class Store:
    """One newsdesk SQLite file. Open with ``Store.open(path)``; use as a context manager."""

    def __init__(self, conn: sqlite3.Connection, path: Path):
        self._conn = conn
        self.path = path
        self._lock = threading.RLock()

    # ------------------------------------------------------------ lifecycle

    @classmethod
    def open(cls, path: str | Path) -> Store:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path, timeout=30.0, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=30000")
        store = cls(conn, path)
        store._migrate()
        return store

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return self._conn.execute("PRAGMA user_version").fetchone()[0]

    def _migrate(self) -> None:
        current = self.schema_version
        if current > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has schema version {current}, newer than this newsdesk "
                f"understands ({SCHEMA_VERSION}); upgrade newsdesk"
            )
        for number in range(current, SCHEMA_VERSION):
            with self.transaction() as conn:
                for statement in _statements(MIGRATIONS[number]):
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version={number + 1}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One atomic unit of work (nestable: inner blocks join the outer transaction)."""
        with self._lock:
            if self._conn.in_transaction:
                yield self._conn
                return
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def integrity_check(self) -> str:
        return self._conn.execute("PRAGMA integrity_check").fetchone()[0]

    # ------------------------------------------------------------ sources

    def add_source(self, source: Source) -> Source:
        """Add a source, or return the stored one with the same URL (adding twice is harmless)."""
        with self.transaction() as conn:
            row = conn.execute("SELECT * FROM sources WHERE url = ?", (source.url,)).fetchone()
            if row is None:
                conn.execute(
                    "INSERT INTO sources (url, kind, title, outlet, category, added_at,"
                    " interval_seconds) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (source.url, source.kind, source.title, source.outlet, source.category,
                     _iso(source.added_at or utcnow()), source.interval_seconds),
                )
                row = conn.execute("SELECT * FROM sources WHERE url = ?", (source.url,)).fetchone()
        return self._source(row)

    def get_source(self, key: int | str) -> Source | None:
        column = "id" if isinstance(key, int) else "url"
        row = self._conn.execute(f"SELECT * FROM sources WHERE {column} = ?", (key,)).fetchone()
        return self._source(row) if row else None

    def list_sources(self) -> list[Source]:
        rows = self._conn.execute("SELECT * FROM sources ORDER BY id").fetchall()
        return [self._source(r) for r in rows]

    def remove_source(self, source_id: int) -> bool:
        with self.transaction() as conn:
            return conn.execute("DELETE FROM sources WHERE id = ?", (source_id,)).rowcount > 0

    def save_source_state(self, source: Source) -> None:
        """Store a source's fetch state (ETag, errors, schedule) after a fetch."""
        if source.id is None:
            raise StoreError("save_source_state needs a stored source")
        with self.transaction() as conn:
            conn.execute(
                "UPDATE sources SET title = ?, outlet = ?, category = ?, etag = ?,"
                " last_modified = ?, last_fetched_at = ?, last_ok_at = ?, last_error = ?,"
                " error_count = ?, interval_seconds = ?, next_fetch_at = ? WHERE id = ?",
                (source.title, source.outlet, source.category, source.etag, source.last_modified,
                 _iso(source.last_fetched_at), _iso(source.last_ok_at), source.last_error,
                 source.error_count, source.interval_seconds, _iso(source.next_fetch_at),
                 source.id),
            )

    def log_fetch(self, source_id: int | None, url: str, ok: bool, message: str = "") -> None:
        with self.transaction() as conn:
            conn.execute(
                "INSERT INTO fetch_log (source_id, at, url, ok, message) VALUES (?, ?, ?, ?, ?)",
                (source_id, _iso(utcnow()), url, int(ok), message[:2000]),
            )

    def fetch_log(self, source_id: int | None = None, limit: int = 50) -> list[dict]:
        if source_id is None:
            rows = self._conn.execute(
                "SELECT * FROM fetch_log ORDER BY id DESC LIMIT ?", (limit,)).fetchall()
        else:
            rows = self._conn.execute(
                "SELECT * FROM fetch_log WHERE source_id = ? ORDER BY id DESC LIMIT ?",
                (source_id, limit)).fetchall()
        return [dict(r) for r in rows]

    def _source(self, row: sqlite3.Row) -> Source:
        count = self._conn.execute(
            "SELECT COUNT(*) FROM articles WHERE source_id = ?", (row["id"],)).fetchone()[0]
        return Source(
            id=row["id"], url=row["url"], kind=row["kind"], title=row["title"],
            outlet=row["outlet"], category=row["category"], added_at=_dt(row["added_at"]),
            etag=row["etag"], last_modified=row["last_modified"],
            last_fetched_at=_dt(row["last_fetched_at"]), last_ok_at=_dt(row["last_ok_at"]),
            last_error=row["last_error"], error_count=row["error_count"],
            article_count=count, interval_seconds=row["interval_seconds"],
            next_fetch_at=_dt(row["next_fetch_at"]),
        )

    # ------------------------------------------------------------ articles

    def add_article(self, article: Article) -> Article:
        """Insert a new article (its URL and content hash must be new: see ``find_duplicate``)."""
        bands = simhash_bands(article.simhash)
        with self.transaction() as conn:
            cur = conn.execute(
                "INSERT INTO articles (url, outlet, title, byline, published_at, fetched_at,"
                " language, text, content_hash, simhash, band0, band1, band2, band3, source_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (article.url, article.outlet, article.title, article.byline,
                 _iso(article.published_at), _iso(article.fetched_at), article.language,
                 article.text, article.content_hash, _signed(article.simhash), *bands,
                 article.source_id),
            )
            article.id = cur.lastrowid
            for carrier in article.carriers:
                self._insert_carrier(conn, article.id, carrier)
        return article

    def add_carrier(self, article_id: int, carrier: Carrier) -> bool:
        """Record that another outlet carried an article's text; False if already known."""
        with self.transaction() as conn:
            return self._insert_carrier(conn, article_id, carrier)

    @staticmethod
    def _insert_carrier(conn: sqlite3.Connection, article_id: int, carrier: Carrier) -> bool:
        cur = conn.execute(
            "INSERT OR IGNORE INTO carriers (article_id, outlet, url, title, published_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (article_id, carrier.outlet, carrier.url, carrier.title, _iso(carrier.published_at)),
        )
        return cur.rowcount > 0

    def known_url(self, url: str) -> int | None:
        """The id of the article stored under this canonical URL (directly or as a carrier)."""
        row = self._conn.execute("SELECT id FROM articles WHERE url = ?", (url,)).fetchone()
        if row:
            return row[0]
        row = self._conn.execute("SELECT article_id FROM carriers WHERE url = ?", (url,)).fetchone()
        return row[0] if row else None

    def article_id_by_hash(self, content_hash: str) -> int | None:
        row = self._conn.execute(
            "SELECT id FROM articles WHERE content_hash = ?", (content_hash,)).fetchone()
        return row[0] if row else None

    def near_duplicates(self, simhash: int, max_distance: int = 3) -> list[int]:
        """Ids of stored articles whose simhash is within ``max_distance`` bits."""
        bands = simhash_bands(simhash)
        rows = self._conn.execute(
            "SELECT id, simhash FROM articles WHERE band0 = ? OR band1 = ? OR band2 = ?"
            " OR band3 = ?", bands).fetchall()
        out = []
        for row in rows:
            if bin(_unsigned(row["simhash"]) ^ simhash).count("1") <= max_distance:
                out.append(row["id"])
        return out

    def simhashes(self) -> tuple[list[int], list[int]]:
        """Ids and SimHashes of all articles, for a near-duplicate scan in memory."""
        rows = self._conn.execute("SELECT id, simhash FROM articles ORDER BY id").fetchall()
        return [r[0] for r in rows], [_unsigned(r[1]) for r in rows]

    def get_article(self, article_id: int) -> Article | None:
        found = self.get_articles([article_id])
        return found[0] if found else None

    def get_articles(self, ids: Iterable[int]) -> list[Article]:
        """Articles by id, in the order asked (missing ids are skipped)."""
        ids = list(ids)
        if not ids:
            return []
        by_id: dict[int, Article] = {}
        for chunk in _chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            for row in self._conn.execute(f"SELECT * FROM articles WHERE id IN ({marks})", chunk):
                by_id[row["id"]] = self._article(row)
            for row in self._conn.execute(
                    f"SELECT * FROM carriers WHERE article_id IN ({marks}) ORDER BY rowid", chunk):
                by_id[row["article_id"]].carriers.append(
                    Carrier(row["outlet"], row["url"], row["title"], _dt(row["published_at"])))
        return [by_id[i] for i in ids if i in by_id]

    def article_ids(self, since: datetime | None = None, until: datetime | None = None,
                    unassigned: bool = False) -> list[int]:
        """Article ids in order of time (published, else fetched), optionally filtered."""
        sql = "SELECT a.id FROM articles a"
        where, args = [], []
        if unassigned:
            sql += " LEFT JOIN story_articles s ON s.article_id = a.id"
            where.append("s.story_id IS NULL")
        if since:
            where.append("COALESCE(a.published_at, a.fetched_at) >= ?")
            args.append(_iso(since))
        if until:
            where.append("COALESCE(a.published_at, a.fetched_at) < ?")
            args.append(_iso(until))
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY COALESCE(a.published_at, a.fetched_at), a.id"
        return [r[0] for r in self._conn.execute(sql, args)]

    def count_articles(self) -> int:
        return self._conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]

    def _article(self, row: sqlite3.Row) -> Article:
        return Article(
            id=row["id"], url=row["url"], outlet=row["outlet"], title=row["title"],
            byline=row["byline"], published_at=_dt(row["published_at"]),
            fetched_at=_dt(row["fetched_at"]) or utcnow(), language=row["language"],
            text=row["text"], content_hash=row["content_hash"],
            simhash=_unsigned(row["simhash"]), source_id=row["source_id"],
        )

    # ------------------------------------------------------------ vectors (embedding cache)

    def get_vectors(self, model: str, keys: list[str]) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for chunk in _chunks(keys, 500):
            marks = ",".join("?" * len(chunk))
            for row in self._conn.execute(
                    f"SELECT key, dim, data FROM vectors WHERE model = ? AND key IN ({marks})",
                    [model, *chunk]):
                out[row["key"]] = np.frombuffer(row["data"], dtype=np.float32, count=row["dim"])
        return out

    def put_vectors(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        with self.transaction() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO vectors (key, model, dim, data) VALUES (?, ?, ?, ?)",
                [(k, model, int(v.shape[0]), np.asarray(v, dtype=np.float32).tobytes())
                 for k, v in vectors.items()],
            )

    # ------------------------------------------------------------ stories (grouping)

    def create_story(self, article_ids: list[int], headline: str = "") -> StoryCluster:
        with self.transaction() as conn:
            now = _iso(utcnow())
            cur = conn.execute("INSERT INTO stories (status, headline, updated_at) VALUES"
                               " ('open', ?, ?)", (headline, now))
            story_id = cur.lastrowid
            self._assign(conn, story_id, article_ids)
        return self.get_story(story_id)  # type: ignore[return-value]

    def assign(self, story_id: int, article_ids: list[int]) -> None:
        """Put articles into a story (moving them out of any other)."""
        with self.transaction() as conn:
            self._assign(conn, story_id, article_ids)

    def _assign(self, conn: sqlite3.Connection, story_id: int, article_ids: list[int]) -> None:
        now = _iso(utcnow())
        touched = {story_id}
        for article_id in article_ids:
            row = conn.execute("SELECT story_id FROM story_articles WHERE article_id = ?",
                               (article_id,)).fetchone()
            if row:
                touched.add(row[0])
            conn.execute("INSERT OR REPLACE INTO story_articles (article_id, story_id, assigned_at)"
                         " VALUES (?, ?, ?)", (article_id, story_id, now))
        for sid in touched:
            self._refresh_story_span(conn, sid)

    @staticmethod
    def _refresh_story_span(conn: sqlite3.Connection, story_id: int) -> None:
        row = conn.execute(
            "SELECT MIN(COALESCE(a.published_at, a.fetched_at)), MAX(COALESCE(a.published_at,"
            " a.fetched_at)), COUNT(*) FROM story_articles s JOIN articles a ON a.id = s.article_id"
            " WHERE s.story_id = ?", (story_id,)).fetchone()
        if row[2] == 0:
            # An emptied story stays as a tombstone so old links can say where it went.
            conn.execute("UPDATE stories SET status = CASE WHEN status = 'merged' THEN 'merged'"
                         " ELSE 'empty' END, updated_at = ? WHERE id = ?",
                         (_iso(utcnow()), story_id))
            return
        conn.execute("UPDATE stories SET first_seen = ?, last_seen = ?, updated_at = ?"
                     " WHERE id = ?", (row[0], row[1], _iso(utcnow()), story_id))

    def merge_stories(self, keep: int, absorb: int) -> None:
        with self.transaction() as conn:
            ids = [r[0] for r in conn.execute(
                "SELECT article_id FROM story_articles WHERE story_id = ?", (absorb,))]
            self._assign(conn, keep, ids)
            conn.execute("UPDATE stories SET status = 'merged', merged_into = ? WHERE id = ?",
                         (keep, absorb))

    def set_story_status(self, story_id: int, status: str) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE stories SET status = ? WHERE id = ?", (status, story_id))

    def set_story_headline(self, story_id: int, headline: str) -> None:
        with self.transaction() as conn:
            conn.execute("UPDATE stories SET headline = ? WHERE id = ?", (headline, story_id))

    def story_of_article(self, article_id: int) -> int | None:
        row = self._conn.execute("SELECT story_id FROM story_articles WHERE article_id = ?",
                                 (article_id,)).fetchone()
        return row[0] if row else None

    def get_story(self, story_id: int) -> StoryCluster | None:
        row = self._conn.execute("SELECT * FROM stories WHERE id = ?", (story_id,)).fetchone()
        return self._story(row) if row else None

    def list_stories(self, status: str | None = None, since: datetime | None = None,
                     limit: int | None = None) -> list[StoryCluster]:
        """Stories with articles, most recently active first."""
        sql = "SELECT * FROM stories WHERE status NOT IN ('merged', 'empty')"
        args: list = []
        if status:
            sql += " AND status = ?"
            args.append(status)
        if since:
            sql += " AND last_seen >= ?"
            args.append(_iso(since))
        sql += " ORDER BY last_seen DESC, id DESC"
        if limit:
            sql += " LIMIT ?"
            args.append(limit)
        return [self._story(r) for r in self._conn.execute(sql, args).fetchall()]

    def _story(self, row: sqlite3.Row) -> StoryCluster:
        ids = [r[0] for r in self._conn.execute(
            "SELECT s.article_id FROM story_articles s JOIN articles a ON a.id = s.article_id"
            " WHERE s.story_id = ? ORDER BY COALESCE(a.published_at, a.fetched_at), a.id",
            (row["id"],))]
        return StoryCluster(
            id=row["id"], article_ids=ids, first_seen=_dt(row["first_seen"]),
            last_seen=_dt(row["last_seen"]), status=row["status"],
            merged_into=row["merged_into"], headline=row["headline"],
        )

    # ------------------------------------------------------------ story versions and citations

    def add_story_version(self, version: StoryVersion) -> StoryVersion:
        """Store the next version of a story with its citations, atomically."""
        with self.transaction() as conn:
            row = conn.execute("SELECT COALESCE(MAX(version), 0) FROM story_versions"
                               " WHERE story_id = ?", (version.story_id,)).fetchone()
            version.version = row[0] + 1
            version.story.story_id = version.story_id
            cur = conn.execute(
                "INSERT INTO story_versions (story_id, version, created_at, story_json,"
                " article_ids_json, changes_json) VALUES (?, ?, ?, ?, ?, ?)",
                (version.story_id, version.version, _iso(version.created_at),
                 json.dumps(story_to_dict(version.story)), json.dumps(version.article_ids),
                 json.dumps([{"kind": c.kind, "text": c.text} for c in version.changes])),
            )
            version.id = cur.lastrowid
            by_number = {s.number: s.article_id for s in version.story.sources}
            rows = []
            for index, sentence in enumerate(version.story.all_sentences()):
                for number in sentence.citations:
                    rows.append((version.id, index, number, by_number.get(number)))
            conn.executemany("INSERT INTO citations (version_id, sentence_index, source_number,"
                             " article_id) VALUES (?, ?, ?, ?)", rows)
            conn.execute("UPDATE stories SET headline = ?, updated_at = ? WHERE id = ?",
                         (version.story.headline, _iso(utcnow()), version.story_id))
        return version

    def latest_version(self, story_id: int) -> StoryVersion | None:
        row = self._conn.execute(
            "SELECT * FROM story_versions WHERE story_id = ? ORDER BY version DESC LIMIT 1",
            (story_id,)).fetchone()
        return self._version(row) if row else None

    def story_versions(self, story_id: int) -> list[StoryVersion]:
        rows = self._conn.execute(
            "SELECT * FROM story_versions WHERE story_id = ? ORDER BY version", (story_id,))
        return [self._version(r) for r in rows.fetchall()]

    def unresolved_citations(self) -> int:
        """Citations that point at no stored article (should always be 0)."""
        return self._conn.execute(
            "SELECT COUNT(*) FROM citations c LEFT JOIN articles a ON a.id = c.article_id"
            " WHERE a.id IS NULL").fetchone()[0]

    @staticmethod
    def _version(row: sqlite3.Row) -> StoryVersion:
        return StoryVersion(
            id=row["id"], story_id=row["story_id"], version=row["version"],
            created_at=_dt(row["created_at"]) or utcnow(),
            story=story_from_dict(json.loads(row["story_json"])),
            article_ids=json.loads(row["article_ids_json"]),
            changes=[VerifiedChange(c["kind"], c["text"]) for c in json.loads(row["changes_json"])],
        )

    # ------------------------------------------------------------ reading: web, feeds, digest

    def get_stories(self, ids: Iterable[int]) -> list[StoryCluster]:
        """Stories by id, in the order asked (missing ids are skipped), in two queries."""
        ids = list(ids)
        rows: dict[int, sqlite3.Row] = {}
        members: dict[int, list[int]] = {i: [] for i in ids}
        for chunk in _chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            for row in self._conn.execute(f"SELECT * FROM stories WHERE id IN ({marks})", chunk):
                rows[row["id"]] = row
            for row in self._conn.execute(
                    "SELECT s.story_id, s.article_id FROM story_articles s"
                    f" JOIN articles a ON a.id = s.article_id WHERE s.story_id IN ({marks})"
                    " ORDER BY COALESCE(a.published_at, a.fetched_at), a.id", chunk):
                members[row[0]].append(row[1])
        return [StoryCluster(id=i, article_ids=members[i], first_seen=_dt(rows[i]["first_seen"]),
                             last_seen=_dt(rows[i]["last_seen"]), status=rows[i]["status"],
                             merged_into=rows[i]["merged_into"], headline=rows[i]["headline"])
                for i in ids if i in rows]

    def story_stamps(self, story_ids: Iterable[int]) -> dict[int, str]:
        """A value per story that changes whenever the story does (its articles, versions,
        status or headline): lets readers cache what they built from it."""
        out: dict[int, str] = {}
        for chunk in _chunks(list(story_ids), 500):
            marks = ",".join("?" * len(chunk))
            for row in self._conn.execute(
                    "SELECT id, updated_at, status, headline, merged_into FROM stories"
                    f" WHERE id IN ({marks})", chunk):
                out[row[0]] = f"{row[1]}|{row[2]}|{row[4]}|{row[3]}"
        return out

    def latest_versions(self, story_ids: Iterable[int]) -> dict[int, StoryVersion]:
        """The latest version of each story that has one, in one query per 500 stories."""
        out: dict[int, StoryVersion] = {}
        for chunk in _chunks(list(story_ids), 500):
            marks = ",".join("?" * len(chunk))
            for row in self._conn.execute(
                    "SELECT v.* FROM story_versions v JOIN (SELECT story_id, MAX(version) AS top"
                    f" FROM story_versions WHERE story_id IN ({marks}) GROUP BY story_id) m"
                    " ON m.story_id = v.story_id AND m.top = v.version", chunk):
                out[row["story_id"]] = self._version(row)
        return out

    def story_article_refs(self, story_ids: Iterable[int]) -> dict[int, list[ArticleRef]]:
        """Each story's articles without their text (oldest first), with source categories
        and the other outlets that carried them."""
        ids = list(story_ids)
        out: dict[int, list[ArticleRef]] = {i: [] for i in ids}
        for chunk in _chunks(ids, 500):
            marks = ",".join("?" * len(chunk))
            refs = [self._ref(row) for row in self._conn.execute(
                f"SELECT {_REF_COLUMNS} FROM articles a {_REF_JOINS}"
                f" WHERE sa.story_id IN ({marks})"
                " ORDER BY COALESCE(a.published_at, a.fetched_at), a.id", chunk)]
            self._add_carriers(refs)
            for ref in refs:
                out[ref.story_id].append(ref)  # type: ignore[index]
        return out

    def active_story_ids(self, since: datetime | None = None, category: str | None = None,
                         outlet: str | None = None, limit: int | None = None) -> list[int]:
        """Ids of live stories (not merged or emptied), most recently active first; optionally
        only those with an article from a source of ``category`` or by ``outlet`` (directly or
        as a carrier of syndicated copy)."""
        sql = "SELECT s.id FROM stories s WHERE s.status NOT IN ('merged', 'empty')"
        args: list = []
        if since:
            sql += " AND s.last_seen >= ?"
            args.append(_iso(since))
        if category is not None:
            sql += (" AND EXISTS (SELECT 1 FROM story_articles sa JOIN articles a"
                    " ON a.id = sa.article_id JOIN sources src ON src.id = a.source_id"
                    " WHERE sa.story_id = s.id AND src.category = ?)")
            args.append(category)
        if outlet is not None:
            sql += (" AND EXISTS (SELECT 1 FROM story_articles sa JOIN articles a"
                    " ON a.id = sa.article_id WHERE sa.story_id = s.id AND (a.outlet = ?"
                    " OR EXISTS (SELECT 1 FROM carriers c WHERE c.article_id = a.id"
                    " AND c.outlet = ?)))")
            args.extend([outlet, outlet])
        sql += " ORDER BY s.last_seen DESC, s.id DESC"
        if limit:
            sql += " LIMIT ?"
            args.append(limit)
        return [r[0] for r in self._conn.execute(sql, args)]

    def categories(self) -> list[tuple[str, int]]:
        """(category, number of sources) for every non-empty source category, by name."""
        return [(r[0], r[1]) for r in self._conn.execute(
            "SELECT category, COUNT(*) FROM sources WHERE category != '' GROUP BY category"
            " ORDER BY category COLLATE NOCASE")]

    def outlet_counts(self) -> list[tuple[str, int, datetime | None]]:
        """(outlet, articles, latest article time) for every outlet that published or carried
        an article, by name."""
        rows = self._conn.execute(
            "SELECT outlet, COUNT(*), MAX(t) FROM ("
            " SELECT outlet, COALESCE(published_at, fetched_at) AS t FROM articles"
            " UNION ALL SELECT c.outlet, COALESCE(c.published_at, a.published_at, a.fetched_at)"
            " FROM carriers c JOIN articles a ON a.id = c.article_id"
            ") WHERE outlet != '' GROUP BY outlet ORDER BY outlet COLLATE NOCASE")
        return [(r[0], r[1], _dt(r[2])) for r in rows]

    def search_stories(self, query: str, limit: int = 50) -> list[int]:
        """Live stories whose headline or latest written text match ``query`` (plain words,
        all required, the last one as a prefix), best match first."""
        match = fts_query(query)
        if not match:
            return []
        rows = self._conn.execute(
            "SELECT f.rowid FROM stories_fts f JOIN stories s ON s.id = f.rowid"
            " WHERE stories_fts MATCH ? AND s.status NOT IN ('merged', 'empty')"
            " ORDER BY bm25(stories_fts, 4.0, 1.0) LIMIT ?", (match, limit))
        return [r[0] for r in rows]

    def search_articles(self, query: str, limit: int = 50) -> list[ArticleRef]:
        """Articles whose title, text or outlet match ``query``, best match first, each with a
        snippet of its text (matched words between U+E000 and U+E001)."""
        match = fts_query(query)
        if not match:
            return []
        rows = self._conn.execute(
            "WITH hits AS (SELECT rowid AS id, bm25(articles_fts, 5.0, 1.0, 2.0) AS rank,"
            " snippet(articles_fts, 1, char(57344), char(57345), '…', 24) AS snip"
            " FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rank LIMIT ?)"
            f" SELECT {_REF_COLUMNS}, h.snip FROM hits h JOIN articles a ON a.id = h.id"
            f" {_REF_JOINS} ORDER BY h.rank", (match, limit))
        refs = []
        for row in rows:
            ref = self._ref(row)
            ref.snippet = row["snip"] or ""
            refs.append(ref)
        self._add_carriers(refs)
        return refs

    def _add_carriers(self, refs: list[ArticleRef]) -> None:
        by_id = {r.id: r for r in refs}
        for chunk in _chunks(list(by_id), 500):
            marks = ",".join("?" * len(chunk))
            for row in self._conn.execute(
                    f"SELECT * FROM carriers WHERE article_id IN ({marks}) ORDER BY rowid", chunk):
                by_id[row["article_id"]].carriers.append(
                    Carrier(row["outlet"], row["url"], row["title"], _dt(row["published_at"])))

    @staticmethod
    def _ref(row: sqlite3.Row) -> ArticleRef:
        return ArticleRef(
            id=row["id"], url=row["url"], title=row["title"], outlet=row["outlet"],
            published_at=_dt(row["published_at"]), fetched_at=_dt(row["fetched_at"]) or utcnow(),
            category=row["category"] or "", story_id=row["story_id"])

    # ------------------------------------------------------------ unattended runs (newsdesk run)

    def set_source_interval(self, source_id: int, seconds: int | None) -> bool:
        """Poll a source every ``seconds`` (None: the configured default). A poll scheduled
        later than one new interval from now is brought forward. False if no such source."""
        now = utcnow()
        with self.transaction() as conn:
            row = conn.execute("SELECT next_fetch_at FROM sources WHERE id = ?",
                               (source_id,)).fetchone()
            if row is None:
                return False
            due = _dt(row["next_fetch_at"])
            if seconds is not None and due is not None and due > now + timedelta(seconds=seconds):
                due = now + timedelta(seconds=seconds)
            conn.execute("UPDATE sources SET interval_seconds = ?, next_fetch_at = ? WHERE id = ?",
                         (seconds, _iso(due), source_id))
        return True

    def fetch_errors(self, limit: int = 20) -> list[dict]:
        """The latest failed fetches, newest first, with their source's name."""
        rows = self._conn.execute(
            "SELECT f.*, COALESCE(NULLIF(s.outlet, ''), NULLIF(s.title, ''), s.url) AS source"
            " FROM fetch_log f LEFT JOIN sources s ON s.id = f.source_id WHERE f.ok = 0"
            " ORDER BY f.id DESC LIMIT ?", (limit,)).fetchall()
        return [dict(r) for r in rows]

    def count_unassigned_articles(self) -> int:
        """Articles not in any story yet (the grouping step's backlog)."""
        return self._conn.execute(
            "SELECT COUNT(*) FROM articles a WHERE NOT EXISTS"
            " (SELECT 1 FROM story_articles s WHERE s.article_id = a.id)").fetchone()[0]

    def mark_story_written(self, story_id: int, article_ids: Iterable[int],
                           error: str = "") -> None:
        """Record that a story was written (or, with ``error``, that writing it failed) from
        exactly these articles; failures from the same articles are counted."""
        ids = json.dumps(sorted(set(article_ids)))
        with self.transaction() as conn:
            failures = 0
            if error:
                row = conn.execute("SELECT article_ids_json, failures FROM story_writes"
                                   " WHERE story_id = ?", (story_id,)).fetchone()
                same = row is not None and row["article_ids_json"] == ids
                failures = (row["failures"] if same else 0) + 1
            conn.execute(
                "INSERT OR REPLACE INTO story_writes (story_id, article_ids_json, written_at,"
                " failures, error) VALUES (?, ?, ?, ?, ?)",
                (story_id, ids, _iso(utcnow()), failures, error[:2000]))

    def stories_awaiting_rewrite(self, max_failures: int = 3) -> list[int]:
        """Live stories whose articles are not the ones they were last written from: a rewrite
        that a crash cut short, or one that failed (retried ``max_failures`` times at most,
        until the story's articles change again). Stories that ``mark_story_written`` never
        saw are compared with the articles of their latest version."""
        members: dict[int, set[int]] = {}
        for story_id, article_id in self._conn.execute(
                "SELECT sa.story_id, sa.article_id FROM story_articles sa JOIN stories s"
                " ON s.id = sa.story_id WHERE s.status NOT IN ('merged', 'empty')"):
            members.setdefault(story_id, set()).add(article_id)
        written = {r[0]: (set(json.loads(r[1])), r[2]) for r in self._conn.execute(
            "SELECT story_id, article_ids_json, failures FROM story_writes")}
        unseen = [i for i in members if i not in written]
        versioned: dict[int, set[int]] = {}
        for chunk in _chunks(unseen, 500):
            marks = ",".join("?" * len(chunk))
            for row in self._conn.execute(
                    "SELECT v.story_id, v.article_ids_json FROM story_versions v JOIN"
                    " (SELECT story_id, MAX(version) AS top FROM story_versions"
                    f" WHERE story_id IN ({marks}) GROUP BY story_id) m"
                    " ON m.story_id = v.story_id AND m.top = v.version", chunk):
                versioned[row[0]] = set(json.loads(row[1]))
        out = []
        for story_id, ids in members.items():
            if story_id in written:
                recorded, failures = written[story_id]
                if recorded != ids or 0 < failures < max_failures:
                    out.append(story_id)
            elif versioned.get(story_id) != ids:
                out.append(story_id)
        return sorted(out)

    def retry_failed_story_writes(self) -> int:
        """Make every story whose write failed await a rewrite again, its count of failures
        starting over (a new run may be a mended newsdesk); the number of such stories."""
        with self.transaction() as conn:
            return conn.execute("UPDATE story_writes SET article_ids_json = '[]'"
                                " WHERE failures > 0").rowcount

    def failed_story_writes(self, min_failures: int = 1) -> list[dict]:
        """Stories whose last write failed: story id, headline, failures, error, when."""
        rows = self._conn.execute(
            "SELECT w.story_id, s.headline, w.failures, w.error, w.written_at FROM story_writes w"
            " JOIN stories s ON s.id = w.story_id WHERE w.failures >= ?"
            " AND s.status NOT IN ('merged', 'empty') ORDER BY w.written_at DESC",
            (min_failures,)).fetchall()
        return [dict(r) for r in rows]

    def start_run(self, pid: int, host: str = "") -> int:
        now = _iso(utcnow())
        with self.transaction() as conn:
            return conn.execute(
                "INSERT INTO runs (pid, host, started_at, heartbeat_at) VALUES (?, ?, ?, ?)",
                (pid, host, now, now)).lastrowid

    def record_cycle(self, run_id: int, *, polls: int, new_articles: int, errors: int,
                     versions: int, summary: dict) -> None:
        """Add one cycle of a run to its totals; ``summary`` describes the cycle."""
        with self.transaction() as conn:
            conn.execute(
                "UPDATE runs SET heartbeat_at = ?, cycles = cycles + 1, polls = polls + ?,"
                " new_articles = new_articles + ?, errors = errors + ?, versions = versions + ?,"
                " last_cycle_json = ? WHERE id = ?",
                (_iso(utcnow()), polls, new_articles, errors, versions,
                 json.dumps(summary, default=str), run_id))

    def end_run(self, run_id: int, state: str, message: str = "") -> None:
        """Close a run: "stopped" (asked to), "finished" (--once, --max-cycles), "failed",
        or "interrupted" (found dead by a later run: killed, or the machine went down)."""
        now = _iso(utcnow())
        with self.transaction() as conn:
            conn.execute("UPDATE runs SET state = ?, ended_at = COALESCE(ended_at, ?),"
                         " message = ? WHERE id = ?", (state, now, message[:2000], run_id))

    def runs(self, limit: int = 10) -> list[dict]:
        """The latest runs, newest first (``last_cycle`` decoded)."""
        out = []
        for row in self._conn.execute("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,)):
            run = dict(row)
            run["last_cycle"] = json.loads(run.pop("last_cycle_json") or "{}")
            out.append(run)
        return out


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _statements(script: str) -> list[str]:
    """Split a migration into statements (executescript would commit our transaction).

    A trigger's body has semicolons of its own, so pieces are joined until SQLite itself
    says the statement is complete.
    """
    out: list[str] = []
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \t\n;"):
                out.append(pending.strip())
            pending = ""
    return out


# An ArticleRef's columns, and the joins that give them (after "FROM articles a").
_REF_COLUMNS = ("a.id, a.url, a.title, a.outlet, a.published_at, a.fetched_at, src.category,"
                " sa.story_id")
_REF_JOINS = ("LEFT JOIN sources src ON src.id = a.source_id"
              " LEFT JOIN story_articles sa ON sa.article_id = a.id")


def fts_query(text: str) -> str:
    """A reader's words as a safe FTS5 query: every word required, the last one also as a
    prefix (so "harb" finds "harbour"); FTS5 operators and quotes typed by the reader are
    treated as plain words, so no input can make the query fail."""
    words = re.findall(r"\w+", text.lower())[:12]
    if not words:
        return ""
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)
