"""``newsdesk export site DIR``: the real command writes a static site whose every link resolves
to a file in it, which can be re-exported in place, and never overwrites a foreign folder."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import feedparser
import pytest
from typer.testing import CliRunner

from newsdesk.cli.main import app
from newsdesk.models import Article, utcnow
from newsdesk.store import Store
from tests.web_fixture import Tags, build


class Links(HTMLParser):
    def __init__(self, html: str):
        super().__init__()
        self.urls: list[tuple[str, str]] = []
        self.ids: set[str] = set()
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        for name in ("href", "src", "action"):
            if attrs.get(name):
                self.urls.append((tag, attrs[name]))


@pytest.fixture
def data(tmp_path):
    with Store.open(tmp_path / "data" / "newsdesk.db") as store:
        ids = build(store, utcnow())
    return tmp_path / "data", ids


def export(data_dir: Path, out: Path, *args: str):
    return CliRunner().invoke(app, ["--data-dir", str(data_dir), "export", "site", str(out),
                                    *args])


def test_every_link_of_the_static_site_resolves_to_a_file_in_it(data, tmp_path):
    root, ids = data
    out = tmp_path / "site"
    result = export(root, out)
    assert result.exit_code == 0, result.output
    pages = sorted(out.rglob("*.html"))
    assert (out / "index.html").exists() and (out / "static" / "site.css").exists()
    assert {f"story/{i}.html" for i in ids.values()} <= {str(p.relative_to(out)) for p in pages}
    assert (out / f"story/{ids['ferry']}-v1.html").exists()  # the older version too
    checked = 0
    for page in pages:
        parsed = Links(page.read_text())
        for tag, url in parsed.urls:
            parts = urlsplit(url)
            if parts.scheme in {"http", "https"}:
                assert tag == "a", (page, url)  # only links out, nothing loaded from afar
                continue
            assert not parts.scheme and not url.startswith("/"), (page, url)
            if parts.path:
                target = (page.parent / unquote(parts.path)).resolve()
                assert target.is_file() and out.resolve() in target.parents, (page, url)
            if parts.fragment:
                anchors = Links((page.parent / parts.path).read_text()).ids if parts.path \
                    else parsed.ids
                assert parts.fragment in anchors, (page, url)
            checked += 1
    assert checked > 200
    assert "No feeds written" in " ".join(result.stderr.split())
    assert not list(out.rglob("feed.*"))


def test_static_pages_carry_their_own_content_security_policy(data, tmp_path):
    root, ids = data
    export(root, tmp_path / "site")
    html = (tmp_path / "site" / f"story/{ids['hostile']}.html").read_text()
    metas = [a for t, a in Tags(html).tags if t == "meta"
             and a.get("http-equiv") == "Content-Security-Policy"]
    assert metas and metas[0]["content"].startswith("default-src 'none'; style-src 'self'")
    assert "<script" not in html and "&lt;script&gt;" in html
    assert 'action="' not in html  # no search form: a static site has no server to ask


def test_feeds_are_written_when_the_sites_address_is_known(data, tmp_path):
    root, ids = data
    out = tmp_path / "site"
    result = export(root, out, "--base-url", "https://news.example.org/desk/")
    assert result.exit_code == 0, result.output
    for feed in ("feed.atom", "section/world/feed.atom"):
        parsed = feedparser.parse((out / feed).read_bytes())
        assert parsed.bozo == 0 and parsed.entries, feed
        for entry in parsed.entries:
            assert entry.link.startswith("https://news.example.org/desk/story/")
            assert (out / entry.link.removeprefix("https://news.example.org/desk/")).is_file()
    assert (out / "feed.json").is_file()


def test_a_new_export_replaces_the_old_one_whole(data, tmp_path):
    root, ids = data
    out = tmp_path / "site"
    assert export(root, out).exit_code == 0
    (out / "story" / "999.html").write_text("stale")
    with Store.open(root / "newsdesk.db") as store:
        a = store.add_article(Article(url="https://harbour-gazette.example/new", title="Quay "
                                      "reopens", text="The quay reopened.", outlet="Harbour "
                                      "Gazette", content_hash="new", published_at=utcnow()))
        new_id = store.create_story([a.id], headline=a.title).id
    assert export(root, out).exit_code == 0
    assert (out / f"story/{new_id}.html").exists()
    assert not (out / "story" / "999.html").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".site.")]  # no leftovers


def test_a_folder_holding_other_files_is_never_overwritten(data, tmp_path):
    root, _ = data
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.txt").write_text("precious")
    result = export(root, out)
    assert result.exit_code == 1 and "is not empty" in " ".join(result.stderr.split())
    assert [p.name for p in out.iterdir()] == ["thesis.txt"]
    file_instead = tmp_path / "file"
    file_instead.write_text("x")
    result = export(root, file_instead)
    assert result.exit_code != 0 and file_instead.read_text() == "x"
