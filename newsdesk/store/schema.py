"""The SQLite schema, as an ordered list of migrations.

``PRAGMA user_version`` holds the number of migrations applied. A migration is only ever
appended, never edited, so every existing data directory upgrades in place.
"""

MIGRATIONS: list[str] = [
    # 1: sources, articles (with the outlets that carried them), stories and their versions
    """
    CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL DEFAULT 'feed',
        title TEXT NOT NULL DEFAULT '',
        outlet TEXT NOT NULL DEFAULT '',
        category TEXT NOT NULL DEFAULT '',
        added_at TEXT NOT NULL,
        etag TEXT NOT NULL DEFAULT '',
        last_modified TEXT NOT NULL DEFAULT '',
        last_fetched_at TEXT,
        last_ok_at TEXT,
        last_error TEXT NOT NULL DEFAULT '',
        error_count INTEGER NOT NULL DEFAULT 0,
        interval_seconds INTEGER,
        next_fetch_at TEXT
    );
    CREATE TABLE fetch_log (
        id INTEGER PRIMARY KEY,
        source_id INTEGER REFERENCES sources(id) ON DELETE CASCADE,
        at TEXT NOT NULL,
        url TEXT NOT NULL,
        ok INTEGER NOT NULL,
        message TEXT NOT NULL DEFAULT ''
    );
    CREATE INDEX fetch_log_source ON fetch_log(source_id, at);
    CREATE TABLE articles (
        id INTEGER PRIMARY KEY,
        url TEXT NOT NULL UNIQUE,
        outlet TEXT NOT NULL DEFAULT '',
        title TEXT NOT NULL DEFAULT '',
        byline TEXT NOT NULL DEFAULT '',
        published_at TEXT,
        fetched_at TEXT NOT NULL,
        language TEXT NOT NULL DEFAULT 'en',
        text TEXT NOT NULL,
        content_hash TEXT NOT NULL UNIQUE,
        simhash INTEGER NOT NULL DEFAULT 0,
        band0 INTEGER NOT NULL DEFAULT 0,
        band1 INTEGER NOT NULL DEFAULT 0,
        band2 INTEGER NOT NULL DEFAULT 0,
        band3 INTEGER NOT NULL DEFAULT 0,
        source_id INTEGER REFERENCES sources(id) ON DELETE SET NULL
    );
    CREATE INDEX articles_when ON articles(COALESCE(published_at, fetched_at));
    CREATE INDEX articles_band0 ON articles(band0);
    CREATE INDEX articles_band1 ON articles(band1);
    CREATE INDEX articles_band2 ON articles(band2);
    CREATE INDEX articles_band3 ON articles(band3);
    CREATE TABLE carriers (
        article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
        outlet TEXT NOT NULL,
        url TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL DEFAULT '',
        published_at TEXT
    );
    CREATE INDEX carriers_article ON carriers(article_id);
    CREATE TABLE vectors (
        key TEXT NOT NULL,
        model TEXT NOT NULL,
        dim INTEGER NOT NULL,
        data BLOB NOT NULL,
        PRIMARY KEY (model, key)
    ) WITHOUT ROWID;
    CREATE TABLE stories (
        id INTEGER PRIMARY KEY,
        status TEXT NOT NULL DEFAULT 'open',
        headline TEXT NOT NULL DEFAULT '',
        first_seen TEXT,
        last_seen TEXT,
        merged_into INTEGER REFERENCES stories(id),
        updated_at TEXT NOT NULL
    );
    CREATE TABLE story_articles (
        article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
        story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
        assigned_at TEXT NOT NULL
    );
    CREATE INDEX story_articles_story ON story_articles(story_id);
    CREATE TABLE story_versions (
        id INTEGER PRIMARY KEY,
        story_id INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
        version INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        story_json TEXT NOT NULL,
        article_ids_json TEXT NOT NULL,
        changes_json TEXT NOT NULL DEFAULT '[]',
        UNIQUE (story_id, version)
    );
    CREATE TABLE citations (
        version_id INTEGER NOT NULL REFERENCES story_versions(id) ON DELETE CASCADE,
        sentence_index INTEGER NOT NULL,
        source_number INTEGER NOT NULL,
        article_id INTEGER REFERENCES articles(id) ON DELETE SET NULL
    );
    CREATE INDEX citations_version ON citations(version_id);
    """,
    # 2: full-text search (FTS5) over articles and stories, for the web's search page. Triggers
    # keep both indexes in step with every write, whoever writes; existing rows are backfilled.
    # A story is indexed under its id: headline, plus the text of its latest written version.
    """
    CREATE VIRTUAL TABLE articles_fts USING fts5(
        title, text, outlet, content='articles', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts (rowid, title, text, outlet)
        VALUES (new.id, new.title, new.text, new.outlet);
    END;
    CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts (articles_fts, rowid, title, text, outlet)
        VALUES ('delete', old.id, old.title, old.text, old.outlet);
    END;
    CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, text, outlet ON articles BEGIN
        INSERT INTO articles_fts (articles_fts, rowid, title, text, outlet)
        VALUES ('delete', old.id, old.title, old.text, old.outlet);
        INSERT INTO articles_fts (rowid, title, text, outlet)
        VALUES (new.id, new.title, new.text, new.outlet);
    END;
    INSERT INTO articles_fts (articles_fts) VALUES ('rebuild');
    CREATE VIRTUAL TABLE stories_fts USING fts5(
        headline, body, tokenize='porter unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER stories_fts_insert AFTER INSERT ON stories BEGIN
        INSERT INTO stories_fts (rowid, headline, body) VALUES (new.id, new.headline, '');
    END;
    CREATE TRIGGER stories_fts_headline AFTER UPDATE OF headline ON stories BEGIN
        UPDATE stories_fts SET headline = new.headline WHERE rowid = new.id;
    END;
    CREATE TRIGGER stories_fts_delete AFTER DELETE ON stories BEGIN
        DELETE FROM stories_fts WHERE rowid = old.id;
    END;
    CREATE TRIGGER stories_fts_version AFTER INSERT ON story_versions BEGIN
        UPDATE stories_fts SET body = (
            SELECT COALESCE(group_concat(value, ' '), '') FROM json_tree(new.story_json)
            WHERE key IN ('text', 'summary', 'speaker', 'value') AND type = 'text'
        ) WHERE rowid = new.story_id;
    END;
    INSERT INTO stories_fts (rowid, headline, body)
    SELECT s.id, s.headline, COALESCE((
        SELECT group_concat(j.value, ' ') FROM story_versions v, json_tree(v.story_json) j
        WHERE v.story_id = s.id
          AND v.version = (SELECT MAX(version) FROM story_versions WHERE story_id = s.id)
          AND j.key IN ('text', 'summary', 'speaker', 'value') AND j.type = 'text'
    ), '') FROM stories s;
    """,
    # 3: unattended running (``newsdesk run``): one row per run, for ``newsdesk status``; and,
    # per story, the articles it was last written from, so a story whose articles changed but
    # whose rewrite was cut short (a crash, a power cut, a failing writer) is rewritten later.
    """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL DEFAULT '',
        started_at TEXT NOT NULL,
        heartbeat_at TEXT NOT NULL,
        ended_at TEXT,
        state TEXT NOT NULL DEFAULT 'running',
        cycles INTEGER NOT NULL DEFAULT 0,
        polls INTEGER NOT NULL DEFAULT 0,
        new_articles INTEGER NOT NULL DEFAULT 0,
        errors INTEGER NOT NULL DEFAULT 0,
        versions INTEGER NOT NULL DEFAULT 0,
        last_cycle_json TEXT NOT NULL DEFAULT '{}',
        message TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE story_writes (
        story_id INTEGER PRIMARY KEY REFERENCES stories(id) ON DELETE CASCADE,
        article_ids_json TEXT NOT NULL,
        written_at TEXT NOT NULL,
        failures INTEGER NOT NULL DEFAULT 0,
        error TEXT NOT NULL DEFAULT ''
    );
    """,
]

SCHEMA_VERSION = len(MIGRATIONS)
