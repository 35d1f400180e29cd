"""Image `url` inputs: fetch the bytes an allow-listed URL points to, within limits.

`url` inputs are refused unless the operator lists the hosts they may name
(`BAOBAB_IMAGE_URL_ALLOW_HOSTS`). A fetch then obeys these rules, on every hop:

- the scheme is `http` or `https`; the URL carries no user name or password;
- the host (lower-cased, IDNA-encoded, trailing dot dropped) equals an exact entry, or is
  a subdomain of a `*.example.com` entry (the apex needs its own entry; an IP literal only
  ever matches an exact entry);
- every address the host resolves to is globally routable: loopback, private, link-local,
  shared (CGNAT), multicast, reserved and unspecified addresses are refused, including
  when wrapped in IPv4-mapped, 6to4, Teredo or NAT64 IPv6 addresses. Only an exact entry,
  and only with `BAOBAB_IMAGE_URL_ALLOW_PRIVATE=true`, may resolve to such addresses;
- the connection goes to the address that was checked (pinned), not to a second DNS
  answer: the URL's host becomes that address while the `Host` header and, for https,
  the TLS server name (SNI) and the certificate check keep the original host name. A DNS
  rebinding answer therefore cannot move a checked request onto an internal address;
- redirects are followed by hand, each target checked again, at most
  `image_url_max_redirects` of them;
- the body is read as a stream and dropped as soon as it passes `max_image_bytes` (a
  `Content-Length` over it is refused before any body is read); only identity encoding is
  accepted, so a compressed body cannot expand past the limit in memory;
- the whole fetch, redirects included, ends within `image_url_timeout_s`.

Errors are the shared `BaobabError` classes; their messages name at most the URL's host,
never an address it resolved to or the upstream's own error text:

    InvalidInput (400)  disabled, bad URL, host not listed, non-public address, DNS or
                        connection failure, timeout, too many redirects, non-200 answer
    TooLarge (413)      the image is over max_image_bytes

Upstream failures are 400s, not 502/504: `shared` has no upstream error classes, the URL
is the caller's input, and a 5xx from this service would read as the gateway's own.

Residual risks: the allow-list names hosts, not ports, so any port of a listed host may be
fetched; a listed host that redirects within the list to a path of its own choosing is
trusted to do so.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import httpx
import idna

from shared import InvalidInput, TooLarge
from vision_service.config import Settings

# Returns the addresses `host` resolves to (strings, as getaddrinfo gives them).
Resolver = Callable[[str, int], Awaitable[list[str]]]

DISABLED_MESSAGE = "url inputs are not enabled on this server; send the image as base64"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_USER_AGENT = "Baobab-image-fetch/1"


async def resolve_host(host: str, port: int) -> list[str]:
    """Return every address `host` resolves to, without blocking the event loop."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses: list[str] = []
    for _family, _type, _proto, _name, sockaddr in infos:
        address = str(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def normalise_host(host: str) -> str:
    """Return `host` lower-cased, IDNA-encoded, without a trailing dot; ValueError if invalid."""
    host = host.strip().rstrip(".").lower()
    if not host:
        raise ValueError("empty host name")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if host.isascii():
        return host
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError as exc:
        raise ValueError(f"not a valid host name: {host!r}") from exc


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def is_public_address(address: str) -> bool:
    """Return whether `address` is globally routable (IPv4 or IPv6, wrappers unwrapped)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        # Python 3.11 judges these wrappers by the IPv6 range, not by the IPv4 address inside.
        if ip.ipv4_mapped is not None:
            return is_public_address(str(ip.ipv4_mapped))
        if ip.packed[:12] == bytes(12):
            return False  # ::, ::1 and the deprecated IPv4-compatible form
        inner: list[ipaddress.IPv4Address] = []
        if ip.sixtofour is not None:
            inner.append(ip.sixtofour)
        if ip.teredo is not None:
            inner.extend(ip.teredo)
        if ip in _NAT64:
            inner.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip.is_site_local or not all(is_public_address(str(v4)) for v4 in inner):
            return False
    return bool(
        ip.is_global
        and not ip.is_multicast
        and not ip.is_private
        and not ip.is_loopback
        and not ip.is_link_local
        and not ip.is_reserved
        and not ip.is_unspecified
    )


@dataclass(frozen=True)
class HostAllowList:
    """Hosts `url` inputs may name: exact names and `*.example.com` subdomain patterns."""

    exact: frozenset[str]
    suffixes: tuple[str, ...]  # ".example.com" for "*.example.com"

    @classmethod
    def parse(cls, entries: Iterable[str]) -> HostAllowList:
        """Return the allow-list for settings entries; ValueError on an entry that is no host."""
        exact: set[str] = set()
        suffixes: list[str] = []
        for entry in entries:
            entry = entry.strip()
            if not entry:
                continue
            if entry.startswith("*."):
                suffix = normalise_host(entry[2:])
                if _is_ip_literal(suffix):
                    raise ValueError(f"a wildcard entry cannot name an address: {entry!r}")
                suffixes.append("." + suffix)
            elif "*" in entry:
                raise ValueError(f"only a leading '*.' wildcard is supported: {entry!r}")
            else:
                exact.add(normalise_host(entry))
        return cls(frozenset(exact), tuple(suffixes))

    def __bool__(self) -> bool:
        return bool(self.exact or self.suffixes)

    def match(self, host: str) -> Literal["exact", "pattern"] | None:
        """Return how normalised `host` is listed: by an exact entry, by a pattern, or not."""
        if host in self.exact:
            return "exact"
        if not _is_ip_literal(host) and any(host.endswith(s) for s in self.suffixes):
            return "pattern"
        return None


class UrlFetcher:
    """Fetches image bytes from allow-listed URLs; one per service, built in the lifespan.

    Holds no connections between fetches (each hop gets its own short-lived client), so
    there is nothing to close.
    """

    def __init__(
        self,
        *,
        allow_hosts: Sequence[str],
        max_bytes: int,
        timeout_s: float = 10.0,
        max_redirects: int = 3,
        allow_private: bool = False,
        verify: ssl.SSLContext | None = None,
        resolver: Resolver = resolve_host,
    ) -> None:
        if max_bytes <= 0 or timeout_s <= 0 or max_redirects < 0:
            raise ValueError("url fetch limits must be positive")
        self.allow_list = HostAllowList.parse(allow_hosts)
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s
        self.max_redirects = max_redirects
        self.allow_private = allow_private
        # Built once: loading the CA bundle is the slow part of creating a client.
        self._ssl_context = verify if verify is not None else httpx.create_ssl_context()
        self._resolve = resolver

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        verify: ssl.SSLContext | None = None,
        resolver: Resolver = resolve_host,
    ) -> UrlFetcher:
        """Return the fetcher the vision service's settings describe."""
        return cls(
            allow_hosts=settings.image_url_allow_hosts,
            max_bytes=settings.max_image_bytes,
            timeout_s=settings.image_url_timeout_s,
            max_redirects=settings.image_url_max_redirects,
            allow_private=settings.image_url_allow_private,
            verify=verify,
            resolver=resolver,
        )

    @property
    def enabled(self) -> bool:
        """Return whether `url` inputs are accepted at all."""
        return bool(self.allow_list)

    async def fetch(self, url: str) -> bytes:
        """Return the body of `url` (status 200), following checked redirects.

        Raises InvalidInput (400) for every refusal or upstream failure and TooLarge (413)
        for a body over the byte limit.
        """
        if not self.enabled:
            raise InvalidInput(DISABLED_MESSAGE)
        target = self._parse(url)
        try:
            async with asyncio.timeout(self.timeout_s):
                for hop in range(self.max_redirects + 1):
                    location = await self._fetch_hop(target)
                    if isinstance(location, bytes):
                        return location
                    if hop == self.max_redirects:
                        break
                    try:
                        target = self._parse(str(target.join(location)))
                    except InvalidInput as exc:
                        raise InvalidInput(
                            f"the image URL redirects to a refused URL: {exc.detail}"
                        ) from exc
        except TimeoutError as exc:
            raise InvalidInput(
                f"fetching the image from {target.host} took longer than {self.timeout_s:g} s"
            ) from exc
        raise InvalidInput(
            f"the image URL redirects more than {self.max_redirects} times; send the final URL"
        )

    def _parse(self, url: str) -> httpx.URL:
        """Return `url` parsed and checked against the scheme and host rules."""
        try:
            parsed = httpx.URL(url.strip())
        except (httpx.InvalidURL, TypeError) as exc:
            raise InvalidInput("the image URL is not a valid URL") from exc
        if parsed.scheme not in ("http", "https"):
            raise InvalidInput("the image URL must start with http:// or https://")
        if not parsed.host:
            raise InvalidInput("the image URL has no host")
        if parsed.userinfo:
            raise InvalidInput("the image URL may not carry a user name or password")
        host = self._host(parsed)
        if self.allow_list.match(host) is None:
            raise InvalidInput(f"the host {host} is not on this server's allow-list for url inputs")
        return parsed

    @staticmethod
    def _host(url: httpx.URL) -> str:
        try:
            return normalise_host(url.raw_host.decode("ascii"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidInput("the image URL's host is not a valid host name") from exc

    async def _addresses(self, host: str, port: int) -> list[str]:
        """Return the addresses to connect to for `host`, every one of them checked."""
        try:
            addresses = await self._resolve(host, port)
        except (OSError, UnicodeError) as exc:  # socket.gaierror is an OSError
            raise InvalidInput(f"the image URL's host {host} could not be resolved") from exc
        if not addresses:
            raise InvalidInput(f"the image URL's host {host} could not be resolved")
        private_ok = self.allow_private and self.allow_list.match(host) == "exact"
        if not private_ok and not all(is_public_address(a) for a in addresses):
            # The address itself is not named: it may be internal information.
            raise InvalidInput(
                f"the image URL's host {host} resolves to an address url inputs may not reach"
            )
        return addresses

    async def _fetch_hop(self, url: httpx.URL) -> bytes | str:
        """Return the body of a 200 answer, or the `Location` of a redirect."""
        host = self._host(url)
        port = url.port or (443 if url.scheme == "https" else 80)
        addresses = await self._addresses(host, port)
        headers = {
            # The original host (and port) travel in the Host header; the URL names the address.
            "Host": url.netloc.decode("ascii"),
            "User-Agent": _USER_AGENT,
            "Accept": "image/*",
            "Accept-Encoding": "identity",
        }
        extensions = {"sni_hostname": host} if url.scheme == "https" else {}
        last_error: httpx.TransportError | None = None
        for address in addresses:
            pinned = url.copy_with(host=address)
            try:
                async with httpx.AsyncClient(
                    verify=self._ssl_context,
                    trust_env=False,  # a proxy would resolve the host again
                    follow_redirects=False,
                    timeout=self.timeout_s,
                ) as client:
                    request = client.build_request(
                        "GET", pinned, headers=headers, extensions=extensions
                    )
                    response = await client.send(request, stream=True)
                    try:
                        return await self._read(response, host)
                    finally:
                        await response.aclose()
            except httpx.ConnectError as exc:
                last_error = exc  # try the next checked address
            except httpx.TimeoutException as exc:
                raise TimeoutError from exc
            except httpx.TransportError as exc:
                raise InvalidInput(f"the image could not be fetched from {host}") from exc
        raise InvalidInput(f"the image could not be fetched from {host}: connection failed") from (
            last_error
        )

    async def _read(self, response: httpx.Response, host: str) -> bytes | str:
        if response.status_code in _REDIRECTS:
            location = response.headers.get("location")
            if not location:
                raise InvalidInput(f"the image host {host} sent a redirect without a Location")
            return str(location)
        if response.status_code != 200:
            raise InvalidInput(
                f"the image could not be fetched from {host}: it answered {response.status_code}"
            )
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding not in ("", "identity"):
            raise InvalidInput(f"the image host {host} sent a compressed ({encoding}) body")
        declared = response.headers.get("content-length")
        if declared is not None and declared.strip().isdigit() and int(declared) > self.max_bytes:
            raise self._too_large()
        body = bytearray()
        async for chunk in response.aiter_raw():
            body += chunk
            if len(body) > self.max_bytes:
                raise self._too_large()
        if not body:
            raise InvalidInput(f"the image fetched from {host} is empty")
        return bytes(body)

    def _too_large(self) -> TooLarge:
        return TooLarge(f"the image at the URL is larger than the {self.max_bytes}-byte limit")
