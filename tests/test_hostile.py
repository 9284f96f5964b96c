"""Hostile input: what a stranger's server or file can throw at newsdesk, and what it does.

Two halves:

* **Fuzzing** (hypothesis) of every parser that reads bytes from strangers — feeds, OPML, the
  XML guard, page extraction, HTML fragments, local files, charset decoding, decompression —
  with arbitrary bytes and with valid documents cut, spliced and corrupted. The property is the
  same everywhere: the parser returns a usable result or raises ``IngestError`` with a message;
  it never raises anything else (which would cost a whole source its poll), never hangs, and
  decompression never returns more than its cap. ``NEWSDESK_FUZZ_EXAMPLES`` runs more examples.
* **Crafted servers** on 127.0.0.1 (``tests.loopback`` and a raw socket server for what HTTP
  libraries will not send): bombs, endless bodies and headers, slow drips, endless 1xx
  responses, invalid encodings, markup-only and absurdly nested pages, redirect loops and
  redirects to private, link-local and metadata addresses in every spelling. Each is refused or
  bounded with a clear recorded error, the poll of the other sources goes on, and the process's
  memory stays bounded (measured: RSS peak and growth over rounds).

What is already covered elsewhere is not repeated: test_fetch.py (gzip bomb, endless body,
drip, redirect chains, the address guard on direct URLs), test_feeds.py (billion laughs,
external entities), test_ingest.py (a run over one of each broken source).
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newsdesk.ingest.decode import BodyDecoder, decode_text
from newsdesk.ingest.errors import FetchError, IngestError
from newsdesk.ingest.extract import extract_page, html_to_text
from newsdesk.ingest.feeds import parse_feed
from newsdesk.ingest.fetch import FetchClient
from newsdesk.ingest.files import read_file
from newsdesk.ingest.ingestor import Ingestor
from newsdesk.ingest.opml import read_opml
from newsdesk.ingest.pages import NO_TEXT
from newsdesk.ingest.safexml import REFUSED, check_xml
from newsdesk.models import Source
from newsdesk.run import Runner, RunOptions, configure_logging, stop_logging
from newsdesk.settings import FetchSettings, load_settings
from newsdesk.store import Store
from tests.loopback import Loopback, Route, endless, redirect
from tests.news_fixtures import BRIDGE, WIRE, atom, generated_article, page_html, rss, text_of

EXAMPLES = int(os.environ.get("NEWSDESK_FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=False,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
TIMEOUT = 1.5
LIMIT = 5_000_000  # the default size cap: memory bounds are measured against the real one
SETTINGS = FetchSettings(timeout=TIMEOUT, max_bytes=LIMIT, per_host_delay=0.0, workers=4)
HTML = {"Content-Type": "text/html; charset=utf-8"}
LOCAL = ["127.0.0.1/32"]  # only the test server: every other private address stays refused

FEED_URL = "http://news.example/feed.xml"
GOOD_RSS = rss("The Daily Lantern", [
    {"title": BRIDGE["title"], "link": "http://news.example/bridge", "summary": text_of(BRIDGE),
     "author": BRIDGE["byline"], "published": BRIDGE["published"]},
    {"title": WIRE["title"], "link": "http://news.example/grain?utm_source=x",
     "content": "<p>" + "</p><p>".join(WIRE["paragraphs"]) + "</p>"},
])
GOOD_ATOM = atom("Harbour Wire", [{"title": WIRE["title"], "link": "http://news.example/w",
                                   "summary": WIRE["paragraphs"][0]}])
GOOD_OPML = (b'<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>'
             b'<outline text="World"><outline type="rss" text="Lantern" '
             b'xmlUrl="http://news.example/feed.xml"/></outline>'
             b'<outline type="link" text="One page" url="https://news.example/page"/>'
             b"</body></opml>")
GOOD_PAGE = page_html(BRIDGE)


# ------------------------------------------------------------------ fuzzing: strategies


def _splice(document: bytes) -> st.SearchStrategy[bytes]:
    """A valid document cut short, with bytes inserted, or with a slice replaced."""
    size = len(document)
    cut = st.integers(0, size).map(lambda i: document[:i])
    insert = st.tuples(st.integers(0, size), st.binary(min_size=1, max_size=64)).map(
        lambda t: document[:t[0]] + t[1] + document[t[0]:])
    replace = st.tuples(st.integers(0, size), st.integers(0, 200), st.binary(max_size=32)).map(
        lambda t: document[:t[0]] + t[2] + document[t[0] + t[1]:])
    markup = st.tuples(st.integers(0, size), st.sampled_from([
        b"<", b">", b"&", b"]]>", b"<![CDATA[", b"<!--", b"<!DOCTYPE x>", b"&#0;", b"&#xD800;",
        b"&unknown;", b"</item>", b"<item>", b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"\r",
        b'<?xml version="1.0" encoding="utf-16"?>', b"<link>javascript:alert(1)</link>",
        b"<link>http://[::1</link>", b"<link>http://%zz/</link>"])).map(
        lambda t: document[:t[0]] + t[1] + document[t[0]:])
    return st.one_of(cut, insert, replace, markup)


ANY_BYTES = st.binary(max_size=4096)
FEEDS = st.one_of(ANY_BYTES, _splice(GOOD_RSS), _splice(GOOD_ATOM))
CONTENT_TYPES = st.sampled_from(["", "application/rss+xml", "text/xml; charset=utf-8",
                                 "application/xml; charset=x-bogus", "text/html",
                                 "text/xml; charset=utf-16", "application/atom+xml; charset="])
CHARSETS = st.sampled_from(["", "utf-8", "utf-16", "utf-32", "latin-1", "shift_jis", "koi8-r",
                            "utf-7", "x-bogus", "ascii", "cp1252", "gb18030", "iso-2022-jp",
                            "uu", "base64", "zlib", "idna", "punycode", "undefined",
                            "unicode_escape", "rot13"])


# ------------------------------------------------------------------ fuzzing: the parsers


@FUZZ
@given(FEEDS, CONTENT_TYPES)
@example(b"", "")
@example(b"\xef\xbb\xbf", "")
@example(b"<rss" * 2000, "")
# each of these once cost a feed its whole poll (an "internal error"):
@example(b"<item<link<</link<content<p<\x01</content<", "")
@example(b'<?encoding="\x00"?>', "")
@example(b"<>&#xD800;", "")
@example(b'<?xml version="" encoding="u"?>', "")
def test_feed_parser_reads_a_feed_or_says_why_not(data, content_type):
    try:
        feed = parse_feed(data, FEED_URL, content_type)
    except IngestError as exc:
        assert str(exc)  # a message a person can read
        return
    for entry in feed.entries:  # whatever it read is usable: an http(s) link, plain text
        assert entry.link.startswith(("http://", "https://"))
        assert "\x00" not in entry.title


@FUZZ
@given(st.one_of(ANY_BYTES, _splice(GOOD_OPML)))
def test_opml_reader_lists_http_sources_or_says_why_not(data):
    try:
        sources = read_opml(data)
    except IngestError as exc:
        assert str(exc)
        return
    assert all(s.url.startswith(("http://", "https://")) for s in sources)
    assert all(s.kind in ("feed", "page") for s in sources)


@FUZZ
@given(st.sampled_from([GOOD_RSS, GOOD_ATOM, GOOD_OPML]), st.data(),
       st.sampled_from(["utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32"]),
       st.sampled_from(['<!ENTITY x "y">', '<!entity % p SYSTEM "file:///etc/passwd">',
                        '<!DOCTYPE d [<!ENTITY a "&#38;#38;">]>',
                        '<!ENTITY lol "lol"><!ENTITY l2 "&lol;&lol;&lol;">']))
def test_an_entity_declaration_anywhere_in_any_encoding_is_refused(document, data, encoding,
                                                                   declaration):
    text = document.decode("utf-8")
    at = data.draw(st.integers(0, len(text)), label="position")
    hostile = (text[:at] + declaration + text[at:]).replace('encoding="utf-8"',
                                                            f'encoding="{encoding}"')
    raw = hostile.encode(encoding)
    with pytest.raises(IngestError) as caught:
        check_xml(raw)
    assert str(caught.value) == REFUSED
    with pytest.raises(IngestError) as caught:
        parse_feed(raw, FEED_URL)
    assert str(caught.value) == REFUSED


def _html_tree(depth: int = 3) -> st.SearchStrategy[str]:
    tags = st.sampled_from(["p", "div", "article", "main", "script", "style", "table", "td",
                            "h1", "li", "a", "span", "noscript", "template", "svg", "iframe"])
    leaf = st.one_of(st.text(max_size=80), st.sampled_from(
        ["&amp;", "&#0;", "&#xFFFF;", "<!--", "-->", "<![CDATA[x]]>", "\x00", "\ud7ff"]))
    return st.recursive(leaf, lambda inner: st.tuples(tags, st.lists(inner, max_size=4)).map(
        lambda t: f"<{t[0]}>" + "".join(t[1]) + f"</{t[0]}>"), max_leaves=30)


@FUZZ
@given(st.one_of(st.text(max_size=2000), _html_tree(),
                 _splice(GOOD_PAGE).map(lambda b: b.decode("utf-8", "replace"))))
@example("<html>" + "<div>" * 5000 + "deep" + "</div>" * 5000 + "</html>")
@example("<?xml version='1.0'?><!DOCTYPE html [<!ENTITY x 'y'>]><html>&x;</html>")
@example("<!DOCTYPE><HEAD")  # each of these once raised from html_to_text
@example("<P>&#1")
@example("<P>&#XFFFE")
@example("<SCRIPT></SCRIPT>&#1")
def test_page_extraction_gives_text_or_none_never_an_exception(html):
    page = extract_page(html, "http://news.example/story")
    assert page is None or page.text.strip()
    assert isinstance(html_to_text(html), str)


FILE_SUFFIXES = [".html", ".htm", ".txt", ".md", ".json", ".jsonl"]


@FUZZ
@given(st.sampled_from(FILE_SUFFIXES), st.one_of(
    ANY_BYTES, _splice(GOOD_PAGE),
    _splice(b'{"title": "T", "text": "Body text here.", "published": "2024-03-01T00:00:00Z"}'),
    _splice(b'---\ntitle: "T"\ndate: 2024-13-45\n---\n# Heading\n\nText.\n')))
@example(".html", b"<meta\x00charset=uu")  # a codec that is not a text encoding
def test_a_local_file_of_any_bytes_gives_articles_or_reasons(suffix, data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        records = list(read_file(path, "Outlet"))
    assert records or suffix in (".json", ".jsonl")  # "[]" and blank lines hold no record
    for record in records:
        assert (record.article is None) != (not record.error)  # one or the other, not both
        if record.article is not None:
            assert record.article.text.strip()


@FUZZ
@given(ANY_BYTES, CHARSETS)
@example(b"\xff\xfe\x00", "utf-16")
@example(b"\xfe\xff\xd8\x00", "")
@example(b"+AGEAYgBj-", "utf-7")
def test_decoding_text_in_any_declared_charset_never_fails(data, charset):
    content_type = f"text/html; charset={charset}" if charset else "text/html"
    assert isinstance(decode_text(data, content_type), str)


@FUZZ
@given(st.binary(max_size=3000), st.sampled_from(["gzip", "deflate", "raw-deflate",
                                                   "gzip, gzip", "deflate, gzip"]),
       st.integers(1, 4000), st.integers(1, 512))
@example(b"", "raw-deflate", 1, 1)  # a one-byte first chunk was once read as corrupt
@example(b"", "gzip, gzip", 1, 1)  # and a stacked encoding cut short
def test_decompression_returns_the_body_or_refuses_it_never_more_than_the_cap(
        payload, encoding, limit, chunk):
    wire = payload
    header = encoding
    for layer in [e.strip() for e in encoding.split(",")]:
        if layer == "gzip":
            wire = gzip.compress(wire)
        elif layer == "deflate":
            wire = zlib.compress(wire)
        else:
            wire, header = zlib.compress(wire)[2:-4], "deflate"
    decoder = BodyDecoder(header, limit)
    out = b""
    try:
        for i in range(0, len(wire), chunk):
            out += decoder.feed(wire[i:i + chunk])
            assert len(out) <= limit
        out += decoder.finish()
    except FetchError as exc:
        assert len(payload) > limit, exc
        assert str(exc) == f"response larger than {limit:,} bytes"
        return
    assert out == payload


@FUZZ
@given(ANY_BYTES, st.sampled_from(["gzip", "deflate", "gzip, deflate", "br", "x-custom"]))
def test_decompressing_garbage_is_a_clear_error(data, encoding):
    try:
        decoder = BodyDecoder(encoding, 10_000)
        out = decoder.feed(data) + decoder.finish()
    except FetchError as exc:
        assert str(exc).startswith(("the gzip-compressed body is", "the deflate-compressed body is",
                                    "unsupported content encoding", "response larger than"))
        return
    assert len(out) <= 10_000


# ------------------------------------------------------------------ crafted: a raw server


class RawServer:
    """Speaks whatever bytes ``behave(conn)`` writes: what no HTTP library would send."""

    def __init__(self, behave: Callable[[socket.socket], None]):
        self.behave = behave
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)  # the request
                self.behave(conn)
            except OSError:
                pass  # the client hung up: as it should

    def __enter__(self) -> RawServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.sock.close()


def _endless_headers(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\n")
    while True:
        conn.sendall(b"X-Filler: " + b"a" * 1000 + b"\r\n")


def _drip_status(conn: socket.socket) -> None:
    for byte in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok":
        conn.sendall(bytes([byte]))
        time.sleep(0.1)


def _endless_informational(conn: socket.socket) -> None:
    while True:
        conn.sendall(b"HTTP/1.1 102 Processing\r\n\r\n")
        time.sleep(0.01)


def _huge_header_line(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nX-Big: " + b"b" * 2_000_000 + b"\r\n\r\n")


def _not_http(conn: socket.socket) -> None:
    conn.sendall(b"\x16\x03\x01\x00\xa5garbage that is not HTTP at all\r\n\r\n")


def _short_body(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n<rss>only part")


def _bad_chunking(conn: socket.socket) -> None:
    conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZZ\r\nnot hex\r\n")


RAW_CASES = {
    "endless headers": (_endless_headers, "the server broke the HTTP protocol"),
    "a status line dripped a byte at a time": (_drip_status, f"timed out after {TIMEOUT:g} s"),
    "endless 102 Processing responses": (_endless_informational,
                                         f"timed out after {TIMEOUT:g} s"),
    "a 2 MB header line": (_huge_header_line, "the server broke the HTTP protocol"),
    "bytes that are not HTTP": (_not_http, "the server broke the HTTP protocol"),
    "a body shorter than its Content-Length": (_short_body,
                                               "the server broke the HTTP protocol"),
    "broken chunked encoding": (_bad_chunking, "the server broke the HTTP protocol"),
}


@pytest.mark.parametrize("case", list(RAW_CASES))
def test_servers_that_break_http_are_cut_off_with_a_clear_error(case):
    behave, message = RAW_CASES[case]
    with RawServer(behave) as server, FetchClient(SETTINGS, allow_networks=LOCAL) as client:
        started = time.monotonic()
        with pytest.raises(FetchError) as caught:
            client.fetch(server.url("/feed.xml"))
        elapsed = time.monotonic() - started
    assert str(caught.value).startswith(message), (case, str(caught.value))
    assert elapsed < TIMEOUT + 1.0, (case, elapsed)  # never held past the deadline


# ------------------------------------------------------------------ crafted: a hostile web


@functools.cache
def _bomb(encoding: str, size: int = 200_000_000) -> bytes:
    """``size`` bytes of zeros compressed: ~200 KB on the wire, 200 MB if inflated."""
    wbits = {"gzip": 31, "deflate": 15, "raw-deflate": -15}[encoding]
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    block = b"\0" * 1_000_000
    parts = [packer.compress(block) for _ in range(size // len(block))]
    return b"".join(parts) + packer.flush()


PRIVATE_TARGETS = {  # where a redirect (or a link) points → what newsdesk records
    "http://10.0.0.5/feed.xml": "refused: 10.0.0.5 is a private address",
    "http://192.168.1.1/": "refused: 192.168.1.1 is a private address",
    "http://172.16.0.1/": "refused: 172.16.0.1 is a private address",
    "http://127.0.0.2/": "refused: 127.0.0.2 is a loopback address",
    "http://127.2/": "refused: 127.0.0.2 is a loopback address",
    "http://2130706434/": "refused: 127.0.0.2 is a loopback address",  # 127.0.0.2, decimal
    "http://0x7f000002/": "refused: 127.0.0.2 is a loopback address",  # and hexadecimal
    "http://[::1]/": "refused: ::1 is a loopback address",
    "http://[::ffff:127.0.0.2]/": "refused: 127.0.0.2 is a loopback address",
    "http://[0:0:0:0:0:ffff:a00:5]/": "refused: 10.0.0.5 is a private address",
    "http://169.254.169.254/latest/meta-data/": "refused: 169.254.169.254 is a link-local "
                                                "address",
    "http://2852039166/latest/meta-data/": "refused: 169.254.169.254 is a link-local address",
    "http://[fe80::1]/": "refused: fe80::1 is a link-local address",
    "http://[fd00:ec2::254]/": "refused: fd00:ec2::254 is a private address",
    "http://0.0.0.0/": "refused: 0.0.0.0 is an unspecified address",
    "http://100.64.0.1/": "refused: 100.64.0.1 is a non-public address",
    "http://224.0.0.1/": "refused: 224.0.0.1 is a multicast address",
    "http://user:secret@10.1.2.3/": "refused: 10.1.2.3 is a private address",
    "file:///etc/passwd": "not an http(s) URL: file:///etc/passwd",
    "gopher://127.0.0.1:6379/_FLUSHALL": "not an http(s) URL: gopher://127.0.0.1:6379/_FLUSHALL",
}


def hostile_routes(server: Loopback) -> dict[str, tuple[object, str]]:
    """path → (route, the error recorded against that source)."""
    u = server.url
    larger = f"response larger than {LIMIT:,} bytes"
    cases: dict[str, tuple[object, str]] = {
        "/bomb/deflate.xml": ((200, {"Content-Encoding": "deflate"}, _bomb("deflate")), larger),
        "/bomb/raw-deflate.xml": ((200, {"Content-Encoding": "deflate"}, _bomb("raw-deflate")),
                                  larger),
        # a bomb inside a bomb: each layer is small, the inner one inflates to 200 MB
        "/bomb/double.xml": ((200, {"Content-Encoding": "gzip, gzip"},
                              gzip.compress(_bomb("gzip"))), larger),
        "/endless/chunked.xml": (Route(body=endless(b"<item>" * 10_000)), larger),
        "/endless/declared.xml": ((200, {"Content-Length": str(10**12)}, endless()), larger),
        "/drip/feed.xml": (Route(body=[b"<rss version='2.0'><channel>"] + [b"<item/>"] * 100,
                                 drip=0.1), f"timed out after {TIMEOUT:g} s"),
        "/slow/headers.xml": (Route(body=b"<rss/>", delay=TIMEOUT + 2),
                              f"timed out after {TIMEOUT:g} s"),
        "/encoding/bogus.xml": ((200, {"Content-Type": "application/xml; charset=x-pizza"},
                                 rss("Bogus charset", [{"title": "Caf\xe9 fire",
                                                        "link": u("/ok/a.html"),
                                                        "summary": "S\xfcmmary text."}])), ""),
        "/encoding/invalid-utf8.xml": (
            (200, {"Content-Type": "application/rss+xml; charset=utf-8"},
             rss("Broken bytes", [{"title": "Title XX", "link": u("/ok/b.html"),
                                   "summary": "Body XX."}]).replace(b"XX", b"\xff\xfe\xc3")),
            ""),
        "/encoding/utf16-no-bom.xml": (
            (200, {"Content-Type": "application/rss+xml"},
             rss("Sixteen", [{"title": "Wide", "link": u("/ok/c.html"),
                              "summary": "The feed's own text of a wide entry."}])
             .decode().replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16-le")),
            ""),
        "/encoding/codec.xml": ((200, {"Content-Type": "application/rss+xml; charset=base64"},
                                 rss("Codecs", [{"title": "Codec", "link": u("/ok/d.html"),
                                                 "summary": "Text."}])), ""),
        "/markup/only.html": ((200, HTML, b"<html><body>" + b"<div></div>" * 20_000
                               + b"</body></html>"), NO_TEXT),
        "/markup/nested.html": ((200, HTML, b"<html><body>" + b"<div>" * 300_000
                                 + b"</body></html>"), NO_TEXT),
        "/markup/scripts.html": ((200, HTML, b"<html><body><script>" + b"var a=1;" * 50_000
                                  + b"</script><style>p{}</style></body></html>"), NO_TEXT),
        "/loop/query.xml": (_ever_further, "too many redirects (more than 5)"),
        "/loop/self.xml": (redirect("/loop/self.xml", 301), "redirect loop at "),
        "/loop/pair.xml": (redirect("/loop/pair.xml/", 308), "redirect loop at "),
    }
    for n, (target, message) in enumerate(PRIVATE_TARGETS.items()):
        cases[f"/redirect/{n}.xml"] = (redirect(target), message)
    return cases


def _ever_further(request) -> Route:
    """/loop/query.xml → ?n=1 → ?n=2 → …: never the same URL twice, never an end."""
    n = int(request.path.rsplit("=", 1)[1]) if "=" in request.path else 0
    return redirect(f"/loop/query.xml?n={n + 1}")


def good_routes(server: Loopback) -> dict[str, object]:
    u = server.url
    entries = [{"title": "Harbour bridge reopens", "link": u("/ok/bridge.html"),
                "summary": "Teaser."}]
    # Entries whose links point at private addresses: refused, the feed's own text stands in.
    for n, target in enumerate(list(PRIVATE_TARGETS)[:6]):
        entries.append({"title": f"Entry {n}", "link": target if target.startswith("http")
                        else u(f"/ok/x{n}.html"), "summary": f"Feed text of entry {n}, "
                        "long enough to stand in for a page that newsdesk will not fetch."})
    return {
        "/ok/rss.xml": (200, {"Content-Type": "application/rss+xml"}, rss("Good", entries)),
        "/ok/bridge.html": (200, HTML, page_html(BRIDGE)),
        "/ok/a.html": (200, HTML, page_html(generated_article(1))),
        "/ok/b.html": (200, {"Content-Type": "text/html"},
                       page_html(generated_article(2), charset="cp1252")),
        "/ok/c.html": (200, HTML, b"<html><body>" + b"<div>" * 300_000),  # nested: no text
        "/ok/d.html": (200, {"Content-Type": "text/html; charset=uu"},  # not a text encoding
                       page_html(generated_article(3), charset="utf-8").replace(
                           b'charset="utf-8"', b'charset="idna"')),
    }


def _rss_mb() -> float:
    return psutil.Process().memory_info().rss / 2**20


class PeakRss:
    """Samples this process's RSS every 20 ms while in the block."""

    def __init__(self) -> None:
        self.peak = 0.0
        self._stop = threading.Event()

    def __enter__(self) -> PeakRss:
        self.start = _rss_mb()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, _rss_mb())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, _rss_mb())


@pytest.fixture
def hostile_web(tmp_path) -> Iterator[tuple[Loopback, Store, dict[str, str]]]:
    with Loopback() as server, Store.open(tmp_path / "newsdesk.db") as store:
        expected: dict[str, str] = {}
        for path, (route, message) in hostile_routes(server).items():
            server.routes[path] = route
            kind = "page" if path.endswith(".html") else "feed"
            store.add_source(Source(url=server.url(path), kind=kind))
            expected[server.url(path)] = message
        server.routes["/loop/pair.xml/"] = redirect("/loop/pair.xml", 308)
        server.routes.update(good_routes(server))
        store.add_source(Source(url=server.url("/ok/rss.xml")))
        yield server, store, expected


def _poll_all(store: Store) -> list:
    with FetchClient(SETTINGS, allow_networks=LOCAL) as client, \
            Ingestor(store, SETTINGS, client=client) as ingestor:
        return ingestor.fetch_all()


def test_every_hostile_source_is_refused_or_bounded_and_the_poll_goes_on(hostile_web):
    server, store, expected = hostile_web
    started = time.monotonic()
    with PeakRss() as memory:
        outcomes = _poll_all(store)
    elapsed = time.monotonic() - started
    assert len(outcomes) == len(expected) + 1  # every source had its turn

    for url, message in expected.items():
        source = store.get_source(url)
        if message:
            assert source.last_error.startswith(message), (url, source.last_error)
            assert source.error_count == 1 and source.next_fetch_at is not None
            assert not source.last_error.startswith("internal error"), url
        else:  # read despite the bad bytes: one article, text decoded, no internal error
            assert source.article_count == 1, (url, source.last_error)
    # No request ever reached anything but the test server, and nothing secret was read.
    log = " ".join(row["message"] for row in store.fetch_log(limit=1000))
    assert "root:x:0:0" not in log and "internal error" not in log

    good = store.get_source(server.url("/ok/rss.xml"))
    assert good.article_count == 7  # the bridge page, and six entries from the feed's text
    bridge = store.get_article(store.known_url(server.url("/ok/bridge.html")))
    assert bridge.text == text_of(BRIDGE)
    notes = [row["message"] for row in store.fetch_log(good.id)]
    for target, message in list(PRIVATE_TARGETS.items())[:6]:
        assert f"{message}; used the feed's own text" in notes, target

    # Bounded: ~1 GB of bombs and endless bodies never inflated in memory, no source held
    # the poll past its deadline (four workers; the slowest sources wait TIMEOUT once each).
    assert memory.peak - memory.start < 120, (memory.start, memory.peak)
    assert elapsed < 30, elapsed
    assert store.integrity_check() == "ok"


def test_a_run_over_the_hostile_web_goes_on_and_publishes_the_good_stories(hostile_web):
    server, store, expected = hostile_web
    settings = load_settings(store.path.parent, env={}).with_section(
        "fetch", timeout=TIMEOUT, max_bytes=LIMIT, per_host_delay=0.0, workers=4)
    stream = io.StringIO()
    handler = configure_logging("json", stream=stream)
    try:
        code = Runner(settings, RunOptions(once=True, allow_networks=LOCAL)).run()
    finally:
        stop_logging(handler)
    assert code == 0
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    polled = {r["url"]: r for r in records if r["event"] == "source.polled"}
    assert set(polled) == set(expected) | {server.url("/ok/rss.xml")}  # every one had its turn
    for url, message in expected.items():
        if message:  # logged as it is recorded: a warning with the first error
            assert polled[url]["error"].startswith(message), (url, polled[url])
    cycle = next(r for r in records if r["event"] == "cycle.done")
    assert cycle["failed_sources"] == sum(bool(m) for m in expected.values()) + 2, cycle
    good = store.article_ids()
    assert len(good) == 11  # the good feed's 7, and one from each feed with odd encodings
    assert store.count_unassigned_articles() == 0 and store.stories_awaiting_rewrite() == []
    assert store.list_stories() and store.unresolved_citations() == 0
    assert store.runs()[0]["state"] == "finished"


# Polls every source again and again in a process of its own, so that what is measured is
# newsdesk's memory alone (not this test's HTTP servers): RSS after each round, with freed
# memory handed back to the system first, and the process's peak RSS (VmHWM).
_POLLER = """
import ctypes, gc, json, sys
import psutil
from newsdesk.ingest.fetch import FetchClient
from newsdesk.ingest.ingestor import Ingestor
from newsdesk.settings import FetchSettings, load_settings
from newsdesk.store import Store

settings = FetchSettings(**json.loads(sys.argv[2]))
libc = ctypes.CDLL("libc.so.6")
with Store.open(sys.argv[1]) as store:
    for _ in range(int(sys.argv[3])):
        with store.transaction() as conn:  # everything due again, as after its interval
            conn.execute("UPDATE sources SET next_fetch_at = NULL, etag = '', last_modified = ''")
        with FetchClient(settings, allow_networks=["127.0.0.1/32"]) as client, \\
                Ingestor(store, settings, client=client) as ingestor:
            ingestor.fetch_all()
        gc.collect()
        libc.malloc_trim(0)
        print(psutil.Process().memory_info().rss / 2**20, flush=True)
peak = [line for line in open("/proc/self/status") if line.startswith("VmHWM")][0]
print(int(peak.split()[1]) / 1024)
"""
ROUNDS = 8


def test_memory_stays_bounded_over_repeated_hostile_polls(hostile_web):
    server, store, expected = hostile_web
    options = {"timeout": TIMEOUT, "max_bytes": LIMIT, "per_host_delay": 0.0, "workers": 4}
    result = subprocess.run(
        [sys.executable, "-c", _POLLER, str(store.path), json.dumps(options), str(ROUNDS)],
        capture_output=True, text=True, timeout=300, cwd=Path(__file__).resolve().parents[1])
    assert result.returncode == 0, result.stderr[-3000:]
    *rounds, peak = [float(line) for line in result.stdout.split()]
    print(f"newsdesk RSS after each of {ROUNDS} rounds: {[round(r) for r in rounds]} MB; "
          f"peak {peak:.0f} MB")
    assert len(rounds) == ROUNDS
    # No growth from round to round once warm (the first rounds fill imports, caches, the
    # allocator's pools: up to ~25 MB seen under load); a leak of 4 MB a round would show.
    assert max(rounds[-3:]) - min(rounds[2:4]) < 20, rounds
    # Never near a bomb's size: the three 200 MB bombs, polled concurrently, would add 600 MB.
    assert peak - rounds[0] < 150, (rounds, peak)
    assert store.get_source(server.url("/ok/rss.xml")).article_count == 7  # nothing twice
    assert store.integrity_check() == "ok"
