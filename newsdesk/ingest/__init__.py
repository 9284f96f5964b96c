"""Ingest: getting articles in, safely, once each.

    fetch.py     the one HTTP client (deadline, size cap, redirects, politeness, conditional GET)
    guard.py     where it may connect (no private/loopback/link-local addresses) and for how long
    decode.py    bounded gzip/deflate decoding; text in its declared or guessed charset
    safexml.py   XML that declares entities is refused before any parser sees it
    extract.py   HTML → main text and metadata (trafilatura); HTML fragments → plain text
    feeds.py     RSS/Atom → entries → articles (the page's full text, else the feed's)
    pages.py     one web page → an article
    files.py     local .html/.txt/.md/.json/.jsonl files and folders → articles
    opml.py      feed lists in and out
    dedupe.py    canonical URLs, content hashes, SimHash near-duplicates; stores articles
    ingestor.py  sources → articles → store, recording every failure against its source
    errors.py    IngestError / FetchError: one exception type with a message for people

See docs/ingest.md.
"""
