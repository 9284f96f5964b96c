"""Local files and folders: every supported format, the JSON record shape, and bad records
reported one by one without costing the good ones."""

import json
from datetime import UTC, datetime

import pytest

from newsdesk.ingest.errors import IngestError
from newsdesk.ingest.files import find_files, read_file, record_article
from tests.news_fixtures import BRIDGE, MARKUP_ONLY, WIRE, page_html, text_of


def only(records):
    records = list(records)
    assert len(records) == 1 and not records[0].error, records
    return records[0].article


def test_a_text_file_has_its_first_line_as_title(tmp_path):
    path = tmp_path / "lantern" / "bridge.txt"
    path.parent.mkdir()
    path.write_text(f"\n{BRIDGE['title']}\n\n{text_of(BRIDGE)}\n")
    article = only(read_file(path))
    assert article.title == BRIDGE["title"]
    assert article.text == text_of(BRIDGE)
    assert article.url == path.resolve().as_uri()
    assert article.outlet == "lantern"  # the folder's name, when nothing better is given
    assert only(read_file(path, outlet="Daily Lantern")).outlet == "Daily Lantern"


def test_markdown_takes_the_heading_and_front_matter(tmp_path):
    path = tmp_path / "wire.md"
    path.write_text("---\ndate: 2024-03-15T08:00:00+02:00\nauthor: Lio Marsh\n"
                    "outlet: Harbour Wire\n---\n\nDateline paragraph first.\n\n"
                    f"# {WIRE['title']}\n\n" + "\n\n".join(WIRE["paragraphs"][:2])
                    + "\n\n## Background\n\nMore text.\n")
    article = only(read_file(path))
    assert article.title == WIRE["title"]
    assert article.text.split("\n\n") == ["Dateline paragraph first.", *WIRE["paragraphs"][:2],
                                          "Background", "More text."]
    assert (article.byline, article.outlet) == ("Lio Marsh", "Harbour Wire")
    assert article.published_at == datetime(2024, 3, 15, 6, 0, tzinfo=UTC)


def test_an_html_file_is_extracted(tmp_path):
    path = tmp_path / "bridge.htm"
    path.write_bytes(page_html(BRIDGE, site="The Daily Lantern"))
    article = only(read_file(path))
    assert (article.title, article.outlet) == (BRIDGE["title"], "The Daily Lantern")
    assert article.text == text_of(BRIDGE)


def test_a_text_file_in_a_legacy_encoding_is_read(tmp_path):
    path = tmp_path / "cafe.txt"
    path.write_bytes("Café reopens\n\nThe café on Quay Street reopened.".encode("cp1252"))
    article = only(read_file(path))
    assert (article.title, article.text) == ("Café reopens", "The café on Quay Street reopened.")


def test_json_holds_one_record_or_a_list(tmp_path):
    record = {"title": "Bridge reopens", "text": "Para one.\n\nPara two.",
              "url": "https://lantern.example/bridge?utm_source=x", "outlet": "Daily Lantern",
              "byline": "Mira Castellan", "published": "2024-03-14T07:30:00Z", "language": "en"}
    one = tmp_path / "one.json"
    one.write_text(json.dumps(record))
    article = only(read_file(one))
    assert article.url == "https://lantern.example/bridge"
    assert (article.outlet, article.byline, article.text) == (
        "Daily Lantern", "Mira Castellan", "Para one.\n\nPara two.")
    assert article.published_at == datetime(2024, 3, 14, 7, 30, tzinfo=UTC)
    many = tmp_path / "many.json"
    many.write_text(json.dumps([{"title": "A", "text": "First."}, {"title": "B", "text": "Two."}]))
    records = list(read_file(many))
    assert [r.article.title for r in records] == ["A", "B"]
    assert records[1].article.url == many.resolve().as_uri() + "#record-2"  # no url: its place


def test_bad_jsonl_lines_are_reported_and_the_good_ones_kept(tmp_path):
    path = tmp_path / "feed.jsonl"
    lines = [json.dumps({"title": "Good one", "text": "Fine text."}), "{not json",
             json.dumps({"title": "No text"}), json.dumps(["a", "list"]),
             json.dumps({"title": "Bad time", "text": "x", "published": "last Tuesday"}),
             "", json.dumps({"title": "Good two", "text": "More text.", "published":
                             "2024-03-14T09:00:00"})]
    path.write_text("\n".join(lines) + "\n")
    records = list(read_file(path))
    assert [r.article.title for r in records if r.article] == ["Good one", "Good two"]
    errors = {r.where.rsplit(" ", 1)[-1]: r.error for r in records if r.error}
    assert errors["2"].startswith("not JSON")
    assert errors["3"] == 'the record has no "text" (a non-empty string is required)'
    assert errors["4"].startswith("a record must be a JSON object")
    assert errors["5"] == ("published 'last Tuesday' is not an ISO 8601 time "
                           "(e.g. 2024-05-01T14:30:00Z)")
    good_two = records[-1].article
    assert good_two.published_at == datetime(2024, 3, 14, 9, 0, tzinfo=UTC)  # naive: UTC


def test_record_fields_must_have_the_documented_types():
    with pytest.raises(IngestError, match='"url" must be a string'):
        record_article({"title": "T", "text": "x", "url": 5}, "file:///x")
    article = record_article({"title": " Spaced   title ", "text": "Body."}, "file:///x#1")
    assert (article.title, article.url, article.language) == ("Spaced title", "file:///x#1", "en")


def test_folders_are_read_recursively_skipping_hidden_and_other_files(tmp_path):
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    for name in ("a/one.txt", "a/b/two.md", "a/b/three.jsonl", ".git/four.txt", "a/.five.txt",
                 "a/image.png"):
        (tmp_path / name).write_text("Title\n\nText.")
    assert [p.relative_to(tmp_path).as_posix() for p in find_files(tmp_path)] == [
        "a/b/three.jsonl", "a/b/two.md", "a/one.txt"]
    with pytest.raises(IngestError, match="no such file or folder"):
        find_files(tmp_path / "missing")


def test_unsupported_and_empty_files_are_clear_errors(tmp_path):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.7")
    (record,) = read_file(pdf)
    assert record.error.startswith("unsupported file type .pdf; newsdesk reads .html")
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    assert list(read_file(empty))[0].error == "the file is empty"
    title_only = tmp_path / "title.txt"
    title_only.write_text("Just a title\n")
    assert list(read_file(title_only))[0].error == "the file has a title but no text"
    app = tmp_path / "app.html"
    app.write_bytes(MARKUP_ONLY)
    assert list(read_file(app))[0].error == (
        "no article text in the file (only markup, or too little text to be an article)")
