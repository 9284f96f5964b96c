"""Where newsdesk may connect, and for how long: the safety rules under the fetch client.

A feed is input from strangers. Its links, and the redirects they lead to, may name
``http://169.254.169.254/`` (a cloud's metadata service), ``http://10.0.0.5/admin`` or
``http://[::1]:6379/``; fetching those would let a hostile feed probe the network newsdesk runs
in. So the check happens at the only place that cannot be bypassed: the moment a TCP connection
is opened. The host is resolved once, *every* address it resolves to is checked, and the socket
connects to one of exactly those checked addresses, so a DNS answer that changes between
check and connect (DNS rebinding) gains nothing.

The same layer enforces a deadline for a whole request: every socket read and write gets at most
the time left, so a server that drips one byte a second cannot hold a fetch beyond its limit.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket
import threading
import time
import typing
import weakref
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager

import httpcore

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")  # "0.0.0.0" reaches this very host on Linux

# Kinds that a user may open up with allow_private (a feed on their own machine or network).
# The others (link-local, which includes 169.254.169.254, multicast, unspecified, reserved)
# never serve news and stay refused unless their network is listed explicitly.
_PRIVATE_KINDS = frozenset({"loopback", "private", "non-public"})


class AddressRefused(Exception):
    """The host resolves to an address newsdesk will not connect to."""


def address_kind(ip: IPAddress) -> str | None:
    """Why an address is not a public internet address ("private", "loopback", …), or None."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:10.0.0.5 reaches 10.0.0.5
    if ip.is_unspecified or (isinstance(ip, ipaddress.IPv4Address) and ip in _THIS_NETWORK):
        return "unspecified"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_reserved:
        return "reserved"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "non-public"  # e.g. 100.64.0.0/10, carrier-grade NAT
    return None


class AddressPolicy:
    """Which addresses a fetch may connect to."""

    def __init__(self, allow_private: bool = False, allow_networks: Sequence[str] = ()):
        self.allow_private = allow_private
        # Narrower than allow_private: exactly these networks (an intranet feed server, or
        # 127.0.0.1 alone in tests that must still see 10.x and 169.254.x refused).
        self.allow_networks: tuple[IPNetwork, ...] = tuple(
            ipaddress.ip_network(n, strict=False) for n in allow_networks)

    def check(self, ip: IPAddress) -> None:
        """Raise ``AddressRefused`` unless newsdesk may connect to ``ip``."""
        kind = address_kind(ip)
        if kind is None:
            return
        if any(ip.version == net.version and ip in net for net in self.allow_networks):
            return
        if self.allow_private and kind in _PRIVATE_KINDS:
            return
        article = "an" if kind[0] in "aeiou" else "a"
        shown = getattr(ip, "ipv4_mapped", None) or ip
        raise AddressRefused(f"refused: {shown} is {article} {kind} address")


# getaddrinfo() takes no timeout; asked in a thread of its own, a slow DNS server cannot hold
# a fetch past its deadline (the lookup finishes in the background, bounded by the resolver).
_dns = ThreadPoolExecutor(max_workers=4, thread_name_prefix="dns")


def resolve(host: str, port: int, timeout: float | None = None) -> list[IPAddress]:
    """All addresses of a host (an IP literal resolves to itself), without duplicates."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    lookup = _dns.submit(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    try:
        infos = lookup.result(timeout=timeout)
    except FutureTimeout:
        raise httpcore.ConnectTimeout(f"resolving {host} timed out") from None
    except (socket.gaierror, UnicodeError) as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: no such host") from exc
    out: list[IPAddress] = []
    for *_, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if ip not in out:
            out.append(ip)
    if not out:
        raise httpcore.ConnectError(f"cannot resolve {host}: no addresses")
    return out


# ------------------------------------------------------------------ deadline

_local = threading.local()


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Bound every network operation in this block (in this thread) to ``seconds`` in total."""
    previous = getattr(_local, "at", None)
    _local.at = time.monotonic() + seconds
    try:
        yield
    finally:
        _local.at = previous


def _clip(timeout: float | None, error: type[Exception]) -> float | None:
    at = getattr(_local, "at", None)
    if at is None:
        return timeout
    left = at - time.monotonic()
    if left <= 0:
        raise error("deadline passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose reads and writes never wait past the current deadline."""

    def __init__(self, inner: httpcore.NetworkStream):
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _clip(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _clip(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: typing.Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        # The same wrapper carries on over TLS, so abort() still reaches the live socket.
        self._inner = self._inner.start_tls(
            ssl_context, server_hostname, _clip(timeout, httpcore.ConnectTimeout))
        return self

    def get_extra_info(self, info: str) -> typing.Any:
        return self._inner.get_extra_info(info)

    def abort(self) -> None:
        """Cut the connection now, from any thread: a read blocked on it returns at once."""
        sock = self._inner.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's socket layer with the address policy and the deadline applied."""

    def __init__(self, policy: AddressPolicy):
        self.policy = policy
        self._open: weakref.WeakSet[_DeadlineStream] = weakref.WeakSet()
        self._lock = threading.Lock()
        self.aborted = False

    def abort(self) -> None:
        """Cut every open connection and refuse new ones (the run is being interrupted)."""
        with self._lock:
            self.aborted = True
            streams = list(self._open)
        for stream in streams:
            stream.abort()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: typing.Iterable[typing.Any] | None = None,
                    ) -> httpcore.NetworkStream:
        if self.aborted:
            raise httpcore.ConnectError("interrupted")
        addresses = resolve(host, port, _clip(timeout, httpcore.ConnectTimeout))
        for ip in addresses:  # all of them: a round-robin answer may mix public and private
            self.policy.check(ip)
        last_error: Exception | None = None
        for ip in addresses:
            try:
                # An IP literal: the socket connects to the very address just checked.
                stream = super().connect_tcp(
                    str(ip), port, _clip(timeout, httpcore.ConnectTimeout), local_address,
                    socket_options if socket_options is not None else [])
            except httpcore.ConnectTimeout as exc:
                raise httpcore.ConnectTimeout(f"connecting to {host} timed out") from exc
            except httpcore.ConnectError as exc:
                last_error = exc
                continue
            wrapped = _DeadlineStream(stream)
            with self._lock:
                self._open.add(wrapped)
            if self.aborted:  # interrupted while connecting
                wrapped.abort()
            return wrapped
        cause = last_error.__cause__ if last_error is not None else None
        reason = getattr(cause, "strerror", None) or str(last_error)
        raise httpcore.ConnectError(f"cannot connect to {host}: {str(reason).lower()}")
