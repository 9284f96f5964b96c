"""``newsdesk digest``: the real command on a real store — Markdown and mail-ready HTML."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from newsdesk.cli.main import app
from newsdesk.models import utcnow
from newsdesk.publish.digest import DigestError, md, parse_since
from newsdesk.store import Store
from tests.web_fixture import Tags, build


@pytest.fixture
def data(tmp_path):
    with Store.open(tmp_path / "newsdesk.db") as store:
        ids = build(store, utcnow())
    return tmp_path, ids


def run(data_dir, *args: str):
    result = CliRunner().invoke(app, ["--data-dir", str(data_dir), "digest", *args])
    return result


def test_markdown_digest_ranks_stories_and_cites_sources(data):
    root, ids = data
    result = run(root, "--since", "24h", "--base-url", "https://news.example.org")
    assert result.exit_code == 0, result.output
    text = result.stdout
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings[0] == "## 1. 41 rescued as ferry Marisol runs aground in fog off Port Calloway"
    assert "Lighthouse" not in text  # 80 hours old: outside the last 24 hours
    assert "Tessel Bank off Port Calloway in thick fog on Tuesday morning. \\[1, 2\\]" in text
    assert "- \\[1\\] Harbour Gazette: [Ferry runs aground off Port Calloway](<https://" in text
    assert "*Sources differ:* Harbour Gazette and Coastline Wire say 41" in text
    assert f"[full story](<https://news.example.org/story/{ids['ferry']}>)" in text
    assert "**Breaking**" in text


def test_markdown_digest_stays_inert_when_a_newsletter_tool_renders_it(data):
    root, _ = data
    text = run(root, "--since", "24h").stdout
    html = MarkdownIt("commonmark").render(text)
    tags = Tags(html).tags
    assert not [t for t, _ in tags if t in {"script", "img", "svg", "iframe"}]
    for _, attrs in tags:
        assert not any(k.startswith("on") for k in attrs)
        if "href" in attrs:
            assert attrs["href"].startswith("https://"), attrs
    assert "&lt;script&gt;window.__pwned" in html  # shown, as text


def test_html_digest_is_one_self_contained_mail_ready_page(data, tmp_path):
    root, ids = data
    out = tmp_path / "out" / "today.html"
    result = run(root, "--since", "24h", "--format", "html", "-o", str(out), "-n", "3")
    assert result.exit_code == 0, result.output
    html = out.read_text()
    tags = Tags(html).tags
    names = [t for t, _ in tags]
    assert not {"style", "script", "link", "img", "iframe", "svg"} & set(names)
    assert not [a for _, a in tags if "class" in a or any(k.startswith("on") for k in a)]
    assert names.count("h2") == 3  # --limit 3
    assert all(a["href"].startswith("https://") for t, a in tags if t == "a")
    styled = [a for t, a in tags if t in {"table", "td", "h1", "h2", "p"}]
    assert styled and all("style" in a for a in styled if a)
    assert "BREAKING" in html and "Sources differ" in html
    assert "&lt;script&gt;" in html and "<script" not in html
    assert "Wrote 3 stories" in " ".join(result.stderr.split())


def test_mutes_apply_to_the_digest(data):
    root, ids = data
    (root / "newsdesk.toml").write_text('[web]\nmuted_outlets = ["Rumour Mill"]\n'
                                        'muted_keywords = ["horoscope"]\n')
    text = run(root, "--since", "7d").stdout
    assert "floating restaurant" not in text and "horoscope" not in text.lower()
    assert "Lighthouse on Gull Point" in text  # a week back reaches the old story
    assert "2 stories left out by your mutes" in text


def test_an_empty_period_says_so(data):
    root, _ = data
    result = run(root, "--since", "2m")
    assert result.exit_code == 0
    assert "No stories since" in result.stdout
    assert "Try a longer --since" in " ".join(result.stderr.split())


@pytest.mark.parametrize("args, message", [
    (["--since", "yesterday"], "cannot read --since"),
    (["--format", "pdf"], "use md or html"),
    (["--since", "2999-01-01"], "in the future"),
    (["--base-url", "javascript:alert(1)"], "not an http(s) address"),
])
def test_bad_options_fail_with_a_message_that_says_what_to_do(data, args, message):
    root, _ = data
    result = run(root, *args)
    assert result.exit_code == 1 and message in " ".join(result.stderr.split())


def test_since_reads_periods_and_dates():
    now = datetime(2026, 11, 17, 12, tzinfo=UTC)
    assert parse_since("24h", now) == now - timedelta(hours=24)
    assert parse_since("90m", now) == now - timedelta(minutes=90)
    assert parse_since("2w", now) == now - timedelta(weeks=2)
    assert parse_since("2026-11-16", now) == datetime(2026, 11, 16, tzinfo=UTC)
    with pytest.raises(DigestError):
        parse_since("soon", now)


def test_markdown_escaping_keeps_text_literal():
    assert md("*bold* [link](x) <b>", start=True) == "\\*bold\\* \\[link\\](x) \\<b\\>"
    assert md("1. Not a list", start=True) == "1\\. Not a list"
    assert md("- not a bullet", start=True) == "\\- not a bullet"


def test_no_store_no_digest_and_nothing_created(tmp_path):
    result = run(tmp_path / "nowhere")
    assert result.exit_code == 1 and "no newsdesk store" in " ".join(result.stderr.split())
    assert not (tmp_path / "nowhere").exists()
