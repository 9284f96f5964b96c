"""``newsdesk summarize``: a cited story from files and web pages, no store needed."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from newsdesk.cli.main import app
from tests.loopback import Loopback
from tests.writer_fixtures import FERRY_LOCAL, FERRY_WIRE

PAGE = f"""<!doctype html><html><head><title>{FERRY_LOCAL.title}</title>
<meta property="og:site_name" content="Skellan Post">
<meta property="article:published_time" content="2025-05-06T11:30:00+00:00"></head>
<body><nav>Home | News | Sport</nav><article><h1>{FERRY_LOCAL.title}</h1>
{"".join(f"<p>{p}</p>" for p in FERRY_LOCAL.text.split(chr(10) * 2))}
</article><footer>Copyright Skellan Post</footer></body></html>"""


def _file(tmp_path):
    path = tmp_path / "wire.md"
    path.write_text(f"---\ntitle: {FERRY_WIRE.title}\noutlet: Harbour Wire\n"
                    f"date: 2025-05-06T08:00:00+00:00\n---\n\n{FERRY_WIRE.text}\n",
                    encoding="utf-8")
    return path


def test_summarize_files_and_a_page_to_json(tmp_path):
    routes = {"/aster-bay": (200, {"Content-Type": "text/html; charset=utf-8"},
                             PAGE.encode("utf-8"))}
    with Loopback(routes) as server:
        result = CliRunner().invoke(app, [
            "--data-dir", str(tmp_path / "data"), "summarize", str(_file(tmp_path)),
            server.url("/aster-bay"), "--allow-private", "--format", "json", "--words", "100"])
    assert result.exit_code == 0, result.output
    story = json.loads(result.output[result.output.index("{"):])
    assert story["writer"] == "extractive"
    outlets = {s["outlet"] for s in story["sources"]}
    assert "Harbour Wire" in outlets and len(story["sources"]) == 2
    sentences = story["lede"] + [s for sec in story["sections"] for s in sec["sentences"]]
    assert sentences and all(s["citations"] for s in sentences)
    assert sum(len(s["text"].split()) for s in sentences) <= 100
    assert not (tmp_path / "data" / "newsdesk.db").exists()  # nothing stored


def test_summarize_markdown_to_a_file_and_bad_inputs(tmp_path):
    out = tmp_path / "story.md"
    runner = CliRunner()
    result = runner.invoke(app, ["--data-dir", str(tmp_path / "data"), "summarize",
                                 str(_file(tmp_path)), str(tmp_path / "missing.txt"),
                                 "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "skipped" in result.output and "missing.txt" in result.output
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# ") and "## Sources" in text and "Sign up" not in text
    nothing = runner.invoke(app, ["--data-dir", str(tmp_path / "data"), "summarize",
                                  str(tmp_path / "missing.txt")])
    assert nothing.exit_code == 1 and "none of the inputs gave an article" in nothing.output
    fmt = runner.invoke(app, ["--data-dir", str(tmp_path / "data"), "summarize",
                              str(_file(tmp_path)), "--format", "pdf"])
    assert fmt.exit_code == 1 and "unknown format" in fmt.output
