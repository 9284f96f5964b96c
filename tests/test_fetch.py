"""The fetch client against a real HTTP server on 127.0.0.1: limits, redirects, the address
guard, conditional GET, compression, charsets, politeness."""

import gzip
import ipaddress
import shutil
import subprocess
import threading
import time
import zlib

import pytest

from newsdesk.ingest.decode import decode_text
from newsdesk.ingest.errors import FetchError
from newsdesk.ingest.fetch import FetchClient
from newsdesk.ingest.guard import AddressPolicy, AddressRefused, address_kind
from newsdesk.settings import FetchSettings
from tests.loopback import Loopback, Route, endless, redirect

LOCAL = FetchSettings(timeout=1.0, max_bytes=100_000, per_host_delay=0.0, allow_private=True,
                      user_agent="newsdesk-test/1.0 (+https://example.invalid/bot)")


@pytest.fixture
def server():
    with Loopback() as server:
        yield server


@pytest.fixture
def client():
    with FetchClient(LOCAL) as client:
        yield client


def fetch_error(client: FetchClient, url: str) -> str:
    with pytest.raises(FetchError) as caught:
        client.fetch(url)
    return str(caught.value)


def test_a_page_comes_back_with_its_final_url_and_our_user_agent(server, client):
    server.routes["/old"] = redirect("/new", 301)
    server.routes["/new"] = (200, {"Content-Type": "text/html; charset=utf-8"}, b"<p>fresh</p>")
    result = client.fetch(server.url("/old"))
    assert result.status == 200 and result.content == b"<p>fresh</p>"
    assert result.url == server.url("/new")
    assert [r.path for r in server.requests] == ["/old", "/new"]
    assert all(r.headers["user-agent"] == LOCAL.user_agent for r in server.requests)


def test_conditional_get_sends_validators_and_reports_not_modified(server, client):
    def feed(request):
        if request.headers.get("if-none-match") == '"v7"':
            return Route(304)
        return Route(200, {"ETag": '"v7"', "Last-Modified": "Thu, 14 Mar 2024 07:30:00 GMT"},
                     b"<rss/>")

    server.routes["/feed.xml"] = feed
    first = client.fetch(server.url("/feed.xml"))
    assert not first.not_modified
    assert (first.etag, first.last_modified) == ('"v7"', "Thu, 14 Mar 2024 07:30:00 GMT")
    again = client.fetch(server.url("/feed.xml"), etag=first.etag,
                         last_modified=first.last_modified)
    assert again.not_modified and again.content == b""
    assert server.requests[-1].headers["if-modified-since"] == first.last_modified


def test_an_http_error_status_is_a_short_message(server, client):
    server.routes["/gone"] = (404, {}, b"nothing here")
    assert fetch_error(client, server.url("/gone")) == "HTTP 404 Not Found"
    server.routes["/busy"] = (429, {"Retry-After": "120"}, b"")
    with pytest.raises(FetchError) as caught:
        client.fetch(server.url("/busy"))
    assert str(caught.value) == "HTTP 429 Too Many Requests"
    assert caught.value.retry_after == 120


def test_a_server_that_never_answers_times_out(server, client):
    server.routes["/slow"] = Route(body=b"late", delay=3.0)
    started = time.monotonic()
    assert fetch_error(client, server.url("/slow")) == "timed out after 1 s"
    assert time.monotonic() - started < 2.5


def test_a_slow_drip_body_cannot_hold_the_client_past_its_deadline(server, client):
    # Each chunk arrives well within the read timeout; only the total deadline stops it.
    server.routes["/drip"] = Route(body=[b"x"] * 100, drip=0.2)
    started = time.monotonic()
    assert fetch_error(client, server.url("/drip")) == "timed out after 1 s"
    assert time.monotonic() - started < 2.0


def test_an_endless_body_is_cut_off_at_the_size_cap(server, client):
    server.routes["/huge"] = Route(body=endless())
    assert fetch_error(client, server.url("/huge")) == "response larger than 100,000 bytes"
    server.routes["/declared"] = (200, {"Content-Length": "999999999"}, endless())
    assert fetch_error(client, server.url("/declared")) == "response larger than 100,000 bytes"


def test_a_gzip_bomb_is_stopped_at_the_size_cap(server, client):
    bomb = gzip.compress(b"\0" * 20_000_000)  # ~20 KB on the wire, 20 MB inflated
    assert len(bomb) < 100_000
    server.routes["/bomb"] = (200, {"Content-Encoding": "gzip"}, bomb)
    assert fetch_error(client, server.url("/bomb")) == "response larger than 100,000 bytes"


@pytest.mark.parametrize("encoding, body", [
    ("gzip", gzip.compress(b"compressed news")),
    ("deflate", zlib.compress(b"compressed news")),
    ("deflate", zlib.compress(b"compressed news")[2:-4]),  # raw deflate, as some servers send
])
def test_compressed_bodies_are_decoded(server, client, encoding, body):
    server.routes["/z"] = (200, {"Content-Encoding": encoding}, body)
    assert client.fetch(server.url("/z")).content == b"compressed news"


def test_corrupt_and_unknown_encodings_are_errors(server, client):
    server.routes["/bad"] = (200, {"Content-Encoding": "gzip"}, b"not gzip at all")
    assert fetch_error(client, server.url("/bad")) == "the gzip-compressed body is corrupt"
    server.routes["/cut"] = (200, {"Content-Encoding": "gzip"},
                             gzip.compress(b"a long story " * 100)[:40])
    assert fetch_error(client, server.url("/cut")) == "the gzip-compressed body is truncated"
    server.routes["/br"] = (200, {"Content-Encoding": "br"}, b"\x0b\x02\x80")
    assert fetch_error(client, server.url("/br")) == "unsupported content encoding 'br'"


def test_redirect_loops_and_chains_are_limited(server, client):
    server.routes["/a"] = redirect("/b")
    server.routes["/b"] = redirect("/a")
    assert fetch_error(client, server.url("/a")) == f"redirect loop at {server.url('/a')}"
    for n in range(10):
        server.routes[f"/hop{n}"] = redirect(f"/hop{n + 1}")
    assert fetch_error(client, server.url("/hop0")) == "too many redirects (more than 5)"


def test_loopback_is_refused_unless_private_addresses_are_allowed(server):
    server.routes["/"] = (200, {}, b"secret admin page")
    with FetchClient(FetchSettings(timeout=1.0, per_host_delay=0.0)) as strict:
        assert fetch_error(strict, server.url("/")) == "refused: 127.0.0.1 is a loopback address"
        by_name = fetch_error(strict, f"http://localhost:{server.port}/")
        assert by_name.startswith("refused: ") and by_name.endswith("is a loopback address")
        assert fetch_error(strict, "http://[::1]:9/") == "refused: ::1 is a loopback address"
        assert fetch_error(strict, "http://10.0.0.5/") == "refused: 10.0.0.5 is a private address"
        assert (fetch_error(strict, "http://169.254.169.254/latest/meta-data/")
                == "refused: 169.254.169.254 is a link-local address")
    assert server.requests == []  # refused before any connection


def test_every_redirect_hop_is_checked_again(server):
    # Only 127.0.0.1 is allowed: the first hop connects, the redirect's target must not.
    server.routes["/to-intranet"] = redirect("http://10.0.0.5/admin")
    server.routes["/to-metadata"] = redirect("http://169.254.169.254/latest/meta-data/")
    server.routes["/to-mapped"] = redirect("http://[::ffff:10.0.0.5]/")
    settings = FetchSettings(timeout=1.0, per_host_delay=0.0)
    with FetchClient(settings, allow_networks=["127.0.0.1/32"]) as client:
        assert fetch_error(client, server.url("/to-intranet")) == (
            "refused: 10.0.0.5 is a private address")
        assert fetch_error(client, server.url("/to-metadata")) == (
            "refused: 169.254.169.254 is a link-local address")
        assert fetch_error(client, server.url("/to-mapped")) == (
            "refused: 10.0.0.5 is a private address")
    # allow_private opens loopback and private networks, never the metadata address.
    with FetchClient(LOCAL) as client:
        assert fetch_error(client, server.url("/to-metadata")) == (
            "refused: 169.254.169.254 is a link-local address")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a throwaway certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return str(cert), str(key)


def test_https_with_a_certificate_nobody_vouches_for_is_refused(certificate):
    with Loopback({"/": (200, {}, b"hello")}, tls=certificate) as server, \
            FetchClient(LOCAL) as client:
        assert server.url("/").startswith("https://")
        assert fetch_error(client, server.url("/")) == "TLS certificate not valid for this site"
        assert server.requests == []


@pytest.mark.parametrize("address, kind", [
    ("8.8.8.8", None), ("2001:4860:4860::8888", None), ("127.0.0.1", "loopback"),
    ("::1", "loopback"), ("10.1.2.3", "private"), ("172.16.0.1", "private"),
    ("192.168.1.1", "private"), ("fc00::1", "private"), ("169.254.169.254", "link-local"),
    ("fe80::1", "link-local"), ("224.0.0.1", "multicast"), ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"), ("0.1.2.3", "unspecified"), ("::", "unspecified"),
    ("100.64.0.1", "non-public"), ("240.0.0.1", "reserved"), ("::ffff:127.0.0.1", "loopback"),
])
def test_address_kinds(address, kind):
    assert address_kind(ipaddress.ip_address(address)) == kind


def test_allow_private_never_opens_link_local_or_multicast():
    policy = AddressPolicy(allow_private=True)
    policy.check(ipaddress.ip_address("10.0.0.5"))
    policy.check(ipaddress.ip_address("127.0.0.1"))
    for address in ("169.254.169.254", "224.0.0.1", "0.0.0.0"):
        with pytest.raises(AddressRefused):
            policy.check(ipaddress.ip_address(address))


def test_network_failures_are_short_messages(client):
    assert fetch_error(client, "http://no-such-host.invalid/") == (
        "cannot resolve no-such-host.invalid: no such host")
    with Loopback() as closed:
        port = closed.port  # closed after this block: nothing listens there any more
    assert fetch_error(client, f"http://127.0.0.1:{port}/") == (
        "cannot connect to 127.0.0.1: connection refused")
    assert fetch_error(client, "ftp://example.org/feed") == (
        "not an http(s) URL: ftp://example.org/feed")


def test_requests_to_one_host_keep_the_politeness_delay(server):
    arrivals = []

    def page(request):
        arrivals.append(time.monotonic())
        return Route(200, {}, b"ok")

    server.routes["/p"] = page
    with FetchClient(FetchSettings(timeout=2.0, per_host_delay=0.3, allow_private=True)) as c:
        for _ in range(3):
            c.fetch(server.url("/p"))
    gaps = [b - a for a, b in zip(arrivals, arrivals[1:], strict=False)]
    assert len(gaps) == 2 and all(gap >= 0.28 for gap in gaps)


# ------------------------------------------------------------------ charsets


def test_text_is_decoded_in_the_declared_charset(server, client):
    server.routes["/latin"] = (200, {"Content-Type": "text/html; charset=iso-8859-1"},
                               "<p>Café in Zürich</p>".encode("latin-1"))
    assert "Café in Zürich" in client.fetch(server.url("/latin")).text
    server.routes["/meta"] = (200, {"Content-Type": "text/html"},
                              '<meta charset="windows-1252"><p>“Quoted” café</p>'.encode("cp1252"))
    assert "“Quoted” café" in client.fetch(server.url("/meta")).text


@pytest.mark.parametrize("data, content_type, expected", [
    ("naïve façade".encode("cp1252"), "", "naïve façade"),  # undeclared, not UTF-8
    ("Ünïcödé".encode(), "text/html; charset=utf-pizza", "Ünïcödé"),  # unknown label
    (b"caf\xc3\xa9 and one bad byte \xff here" + b" more text" * 30, "text/plain; charset=utf-8",
     "café and one bad byte \ufffd here"),
    ("\ufeffmit BOM".encode("utf-16"), "", "mit BOM"),
    ("Привет, мир, это новости дня".encode("koi8-r"), "text/plain; charset=koi8-r",
     "Привет, мир, это новости дня"),
    ("Городской совет утвердил новый план строительства моста через гавань.".encode("cp1251"),
     "", "Городской совет утвердил"),  # undeclared, mostly high bytes: guessed
])
def test_decoding_never_fails(data, content_type, expected):
    assert decode_text(data, content_type).startswith(expected)


def test_abort_cuts_requests_in_flight_and_never_returns_a_cut_body(server, client):
    # A body that ends when the connection closes: after abort() it must not look complete.
    server.routes["/story"] = Route(body=[b"<p>part</p>"] * 50, drip=0.1)
    outcome = []

    def fetch():
        try:
            outcome.append(client.fetch(server.url("/story")))
        except FetchError as exc:
            outcome.append(str(exc))

    worker = threading.Thread(target=fetch)
    started = time.monotonic()
    worker.start()
    time.sleep(0.3)
    client.abort()
    worker.join(timeout=5)
    assert outcome == ["interrupted"] and time.monotonic() - started < 1.5
