"""OPML import (folders become categories; hostile XML refused) and export (round trip)."""

import pytest

from newsdesk.ingest.errors import IngestError
from newsdesk.ingest.opml import read_opml, write_opml
from newsdesk.ingest.safexml import REFUSED
from newsdesk.models import Source

READER_EXPORT = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="1.0">
  <head><title>My subscriptions</title></head>
  <body>
    <outline text="Loose Feed" type="rss" xmlUrl="https://loose.example/rss"/>
    <outline text="World" title="World">
      <outline text="Daily Lantern" title="Daily Lantern" type="rss"
               xmlUrl="https://lantern.example/world.xml" htmlUrl="https://lantern.example/"/>
      <outline text="Europe">
        <outline text="Vellmar Courier" type="atom" xmlUrl="https://courier.example/atom"/>
      </outline>
    </outline>
    <outline text="Business">
      <outline text="Harbour Wire" type="rss" xmlURL="https://wire.example/business.rss"/>
      <outline text="Lantern again" type="rss" xmlUrl="https://lantern.example/world.xml"/>
      <outline text="Not a feed" type="rss" xmlUrl="javascript:alert(1)"/>
      <outline text="Grain prices" type="link" url="https://wire.example/grain-prices"/>
    </outline>
  </body>
</opml>"""


def test_import_reads_feeds_and_takes_categories_from_folders():
    sources = read_opml(READER_EXPORT)
    assert [(s.url, s.kind, s.title, s.category) for s in sources] == [
        ("https://loose.example/rss", "feed", "Loose Feed", ""),
        ("https://lantern.example/world.xml", "feed", "Daily Lantern", "World"),
        ("https://courier.example/atom", "feed", "Vellmar Courier", "Europe"),  # innermost
        ("https://wire.example/business.rss", "feed", "Harbour Wire", "Business"),
        ("https://wire.example/grain-prices", "page", "Grain prices", "Business"),
    ]  # the repeated feed and the javascript: URL are left out


def test_export_then_import_gives_the_same_sources():
    sources = [
        Source(id=1, url="https://lantern.example/world.xml", title="Lantern World",
               outlet="Daily Lantern", category="World"),
        Source(id=2, url="https://wire.example/rss?x=1&y=2", title="Wire", category="Business"),
        Source(id=3, url="https://solo.example/feed", title="Solo & Sons"),
        Source(id=4, url="https://wire.example/page", kind="page", title="A page",
               category="World"),
        Source(id=5, url="/srv/inbox", kind="file", title="Inbox"),
    ]
    text = write_opml(sources)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    back = read_opml(text.encode("utf-8"))
    assert sorted((s.url, s.kind, s.category) for s in back) == sorted(
        (s.url, s.kind, s.category) for s in sources if s.kind != "file")
    assert {s.url: s.title for s in back}["https://lantern.example/world.xml"] == "Daily Lantern"


@pytest.mark.parametrize("data, message", [
    (b"<opml><body><outline text='x'", "not well-formed XML"),
    (b"<rss version='2.0'><channel/></rss>", "not an OPML file (its root element is <rss>)"),
    (b"<opml version='2.0'><head/></opml>", "not an OPML file (it has no <body>)"),
    (b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
     b"<opml><body><outline text='&b;' xmlUrl='https://x.example/'/></body></opml>", REFUSED),
    (b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
     b"<opml><body><outline text='&x;' xmlUrl='https://x.example/'/></body></opml>", REFUSED),
])
def test_bad_opml_is_a_clear_error(data, message):
    with pytest.raises(IngestError) as caught:
        read_opml(data)
    assert str(caught.value).startswith(message)
