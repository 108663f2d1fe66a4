"""HTTP requests to addresses users give us (webhook targets), that never reach our own network.

A target is checked when it is saved (`check_target`) and again when each request connects: the name is
resolved, every address must be public, and the socket is opened to the address that was checked (so a name
that re-resolves to 127.0.0.1 between the check and the connection — DNS rebinding — is still refused).
TLS and the Host header keep the name. Redirects are never followed and environment proxies are not used.
`WEBHOOK_ALLOW_HTTP` lets tests use http://; only `WEBHOOK_ALLOW_PRIVATE` (tests, default off) lets them reach
a receiver on loopback.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from flask import current_app
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
NAT64 = ipaddress.ip_network("64:ff9b::/96")  # the well-known NAT64 prefix: its last 32 bits are an IPv4 address


class UnsafeTarget(ValueError):
    """The target is not an https URL of a public address (`reason` says which rule, for the log)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def is_public(address: IPAddress) -> bool:
    """A globally routable unicast address; IPv4 inside IPv6 (mapped, 6to4, Teredo, NAT64) is judged as IPv4."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or (address.teredo[1] if address.teredo else None)
        if embedded is None and address in NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return is_public(embedded)
    return address.is_global and not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def _allow_private() -> bool:
    return bool(current_app.config.get("WEBHOOK_ALLOW_PRIVATE"))


def resolve_public(host: str, port: int, *, allow_private: bool) -> list[tuple[int, str]]:
    """(address family, address) of every address `host` resolves to; UnsafeTarget if any is not public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise UnsafeTarget("name does not resolve") from None
    found = []
    for family, _type, _proto, _name, sockaddr in infos:
        text = str(sockaddr[0]).split("%", 1)[0]  # an IPv6 scope id is not part of the address
        if not allow_private and not is_public(ipaddress.ip_address(text)):
            raise UnsafeTarget(f"{host} resolves to a non-public address")
        found.append((family, text))
    if not found:
        raise UnsafeTarget("name does not resolve")
    return found


def check_target(url: str) -> tuple[str, int]:
    """(host, port) of an https URL whose name resolves to public addresses only; UnsafeTarget otherwise."""
    parts = urlsplit(url)
    allowed = ("https", "http") if current_app.config.get("WEBHOOK_ALLOW_HTTP") else ("https",)
    if parts.scheme not in allowed:
        raise UnsafeTarget("scheme must be https")
    try:
        host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeTarget("bad port") from None
    if not host:
        raise UnsafeTarget("no host")
    resolve_public(host, port, allow_private=_allow_private())
    return host, port


class _CheckedConnect:
    """urllib3 connection mix-in: resolve, check every address, connect to a checked one."""

    allow_private = False
    _dns_host: str

    def _new_conn(self) -> socket.socket:
        name = self._dns_host
        addresses = resolve_public(name, self.port, allow_private=self.allow_private)  # type: ignore[attr-defined]
        error: Exception | None = None
        try:
            for _family, address in addresses:
                self._dns_host = address  # the parent opens the socket to (self._dns_host, self.port)
                try:
                    return super()._new_conn()  # type: ignore[misc]
                except OSError as failed:  # urllib3's NewConnectionError and ConnectTimeoutError are OSErrors
                    error = failed
        finally:
            self._dns_host = name
        raise error  # type: ignore[misc]


class _HTTPConnection(_CheckedConnect, HTTPConnection):
    pass


class _HTTPSConnection(_CheckedConnect, HTTPSConnection):
    pass


class _GuardedAdapter(HTTPAdapter):
    """requests adapter whose connection pools open sockets only through the address check."""

    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        http = type("GuardedHTTPPool", (HTTPConnectionPool,), {"ConnectionCls": _http_class(self.allow_private)})
        https = type("GuardedHTTPSPool", (HTTPSConnectionPool,), {"ConnectionCls": _https_class(self.allow_private)})
        self.poolmanager.pool_classes_by_scheme = {"http": http, "https": https}


def _http_class(allow_private: bool) -> type:
    return type("GuardedHTTPConnection", (_HTTPConnection,), {"allow_private": allow_private})


def _https_class(allow_private: bool) -> type:
    return type("GuardedHTTPSConnection", (_HTTPSConnection,), {"allow_private": allow_private})


def post(url: str, *, data: bytes, headers: dict[str, str], timeout: float) -> requests.Response:
    """POST to a checked target; redirects are not followed. Raises UnsafeTarget or requests' errors."""
    check_target(url)
    with requests.Session() as session:
        session.trust_env = False  # no proxies from the environment: we connect to the address we checked
        adapter = _GuardedAdapter(_allow_private())
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        return session.post(url, data=data, headers=headers, timeout=timeout, allow_redirects=False)
