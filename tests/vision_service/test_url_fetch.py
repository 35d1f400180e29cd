"""Image `url` inputs: real HTTP(S) fetches from small origin servers on loopback.

The origins are plain asyncio servers. Loopback is not a public address, so fetches that
must succeed list `127.0.0.1` or `localhost` exactly and turn `allow_private` on; host names
that exist only in a test are mapped to 127.0.0.1 by a resolver passed to the fetcher.
"""

from __future__ import annotations

import asyncio
import io
import shutil
import ssl
import subprocess
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from PIL import Image

from shared import InvalidInput, TooLarge
from vision_service.config import Settings
from vision_service.url_fetch import (
    DISABLED_MESSAGE,
    HostAllowList,
    UrlFetcher,
    is_public_address,
    normalise_host,
)

LIMIT = 4096
TEST_HOST = "images.example.test"
OTHER_HOST = "other.example.test"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


PNG = _png()

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


def _answer(status: str, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status}", "Connection: close", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def _origin(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Answer one request by its path; see the branches for what each path does."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        path = request_line.split(" ")[1]
        headers = {
            k.strip().lower(): v.strip()
            for k, _, v in (line.partition(":") for line in header_lines if line)
        }
        port = writer.get_extra_info("sockname")[1]
        if path == "/image.png":
            writer.write(_answer("200 OK", PNG, {"Content-Type": "image/png"}))
        elif path == "/host":
            writer.write(_answer("200 OK", headers.get("host", "").encode()))
        elif path == "/big":
            writer.write(_answer("200 OK", b"x" * (LIMIT + 1)))
        elif path == "/big-chunked":
            # No Content-Length: only counting the streamed body can stop it.
            writer.write(
                b"HTTP/1.1 200 OK\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n"
            )
            for _ in range(4 * LIMIT // 256):
                writer.write(b"100\r\n" + b"y" * 256 + b"\r\n")
                await writer.drain()
            writer.write(b"0\r\n\r\n")
        elif path == "/gzip":
            writer.write(_answer("200 OK", b"\x1f\x8b" + b"z" * 10, {"Content-Encoding": "gzip"}))
        elif path == "/missing":
            writer.write(_answer("404 Not Found", b"no such image"))
        elif path == "/to-elsewhere":
            writer.write(
                _answer("302 Found", headers={"Location": "http://elsewhere.example/x.png"})
            )
        elif path == "/to-localhost":
            location = f"http://localhost:{port}/image.png"
            writer.write(_answer("302 Found", headers={"Location": location}))
        elif path == "/to-ftp":
            writer.write(_answer("302 Found", headers={"Location": "ftp://127.0.0.1/x.png"}))
        elif path == "/relative":
            writer.write(_answer("301 Moved Permanently", headers={"Location": "/image.png"}))
        elif path == "/loop":
            writer.write(_answer("307 Temporary Redirect", headers={"Location": "/loop"}))
        elif path == "/slow":
            await reader.read(-1)  # never answer; ends when the client hangs up
        else:
            writer.write(_answer("500 Internal Server Error"))
        await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
        pass  # the client stopped reading: what the limit tests expect
    finally:
        writer.close()


async def _start(ssl_context: ssl.SSLContext | None = None) -> tuple[asyncio.Server, int]:
    server = await asyncio.start_server(_origin, "127.0.0.1", 0, ssl=ssl_context)
    return server, server.sockets[0].getsockname()[1]


@pytest.fixture(scope="module")
async def port() -> AsyncIterator[int]:
    server, bound = await _start()
    async with server:
        yield bound


async def to_loopback(host: str, port: int) -> list[str]:
    """Resolve every name to 127.0.0.1, as a DNS answer pointing inside would."""
    return ["127.0.0.1"]


def fetcher(*hosts: str, private: bool = True, **kwargs: object) -> UrlFetcher:
    options: dict[str, object] = {"max_bytes": LIMIT, "timeout_s": 2.0, "allow_private": private}
    options.update(kwargs)
    return UrlFetcher(allow_hosts=list(hosts), **options)  # type: ignore[arg-type]


async def refused(fetch: UrlFetcher, url: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        await fetch.fetch(url)
    assert caught.value.status_code == 400
    return caught.value.detail


# --- refusals before any connection ---------------------------------------------------


async def test_disabled_by_default_refuses_every_url(tmp_path: Path) -> None:
    settings = Settings(environment="test", var_dir=tmp_path, internal_secret="s" * 32)
    fetch = UrlFetcher.from_settings(settings)
    assert not fetch.enabled
    assert await refused(fetch, "https://images.example.com/cat.png") == DISABLED_MESSAGE


async def test_unlisted_host_is_refused() -> None:
    fetch = fetcher("images.example.com", "*.cdn.example.com")
    for url in (
        "https://evil.example.com/cat.png",
        "https://cdn.example.com/cat.png",  # a wildcard does not cover the apex
        "https://images.example.com.evil.net/cat.png",
        "http://127.0.0.1/cat.png",
    ):
        assert "not on this server's allow-list" in await refused(fetch, url)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1/image.png",
        "file:///etc/passwd",
        "gopher://127.0.0.1/",
        "data:image/png;base64,AAAA",
        "/image.png",
        "not a url",
    ],
)
async def test_only_http_and_https(url: str) -> None:
    assert "http:// or https://" in await refused(fetcher("127.0.0.1"), url)


async def test_credentials_in_the_url_are_refused(port: int) -> None:
    detail = await refused(fetcher("127.0.0.1"), f"http://user:pw@127.0.0.1:{port}/image.png")
    assert "user name or password" in detail


# --- addresses --------------------------------------------------------------------------


async def test_listed_host_on_loopback_needs_the_private_flag(port: int) -> None:
    for host in ("localhost", "127.0.0.1"):
        detail = await refused(fetcher(host, private=False), f"http://{host}:{port}/image.png")
        assert "may not reach" in detail and "127.0.0.1" not in detail.replace(host, "")
    assert await fetcher("localhost").fetch(f"http://localhost:{port}/image.png") == PNG


async def test_private_flag_covers_exact_entries_only(port: int) -> None:
    wildcard = fetcher("*.example.test", resolver=to_loopback)
    assert "may not reach" in await refused(wildcard, f"http://{TEST_HOST}:{port}/host")
    exact = fetcher(TEST_HOST, resolver=to_loopback)
    assert await exact.fetch(f"http://{TEST_HOST}:{port}/host") == f"{TEST_HOST}:{port}".encode()


async def test_any_internal_address_in_the_answer_refuses_the_host(port: int) -> None:
    async def mixed(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "10.0.0.7"]

    detail = await refused(fetcher("*.example.test", resolver=mixed), f"http://{TEST_HOST}/x")
    assert "may not reach" in detail and "10.0.0.7" not in detail


async def test_unresolvable_host_is_a_400() -> None:
    detail = await refused(fetcher("nowhere.invalid"), "http://nowhere.invalid/x.png")
    assert "could not be resolved" in detail


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "::",
        "::1",
        "fe80::1",
        "fc00::1",
        "fec0::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "::127.0.0.1",
        "2002:7f00:1::",  # 6to4 around 127.0.0.1
        "64:ff9b::a00:1",  # NAT64 around 10.0.0.1
        "2001:db8::1",
        "not an address",
    ],
)
def test_internal_addresses_are_not_public(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "93.184.216.34", "2606:4700:4700::1111", "::ffff:8.8.8.8"]
)
def test_global_addresses_are_public(address: str) -> None:
    assert is_public_address(address)


def test_allow_list_matching() -> None:
    allow = HostAllowList.parse(["Images.Example.COM.", "*.cdn.example.com", "bücher.example", ""])
    assert allow.match("images.example.com") == "exact"
    assert allow.match("a.b.cdn.example.com") == "pattern"
    assert allow.match("cdn.example.com") is None
    assert allow.match("xcdn.example.com") is None
    assert allow.match(normalise_host("BÜCHER.example.")) == "exact"
    assert allow.match("xn--bcher-kva.example") == "exact"
    assert not HostAllowList.parse([" ", ""])
    for bad in ("*.127.0.0.1", "img*.example.com", "*"):
        with pytest.raises(ValueError):
            HostAllowList.parse([bad])


def test_allow_hosts_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def hosts() -> list[str]:
        settings = Settings(environment="test", var_dir=tmp_path, internal_secret="s" * 32)
        return settings.image_url_allow_hosts

    monkeypatch.setenv("BAOBAB_IMAGE_URL_ALLOW_HOSTS", "images.example.com, *.cdn.example.com")
    assert hosts() == ["images.example.com", "*.cdn.example.com"]
    monkeypatch.setenv("BAOBAB_IMAGE_URL_ALLOW_HOSTS", '["a.example.com", "b.example.com"]')
    assert hosts() == ["a.example.com", "b.example.com"]
    monkeypatch.setenv("BAOBAB_IMAGE_URL_ALLOW_HOSTS", "")
    assert hosts() == []


# --- fetching ---------------------------------------------------------------------------


async def test_fetch_returns_the_image_bytes(port: int) -> None:
    assert await fetcher("127.0.0.1").fetch(f"http://127.0.0.1:{port}/image.png") == PNG


async def test_connection_is_pinned_to_the_checked_address(port: int) -> None:
    calls: list[str] = []

    async def once(host: str, port: int) -> list[str]:
        calls.append(host)
        return ["127.0.0.1"]

    # The name exists only in this resolver: the request reaches the origin because the
    # connection goes to the checked address, and the origin still sees the name.
    body = await fetcher(TEST_HOST, resolver=once).fetch(f"http://{TEST_HOST}:{port}/host")
    assert body == f"{TEST_HOST}:{port}".encode()
    assert calls == [TEST_HOST]


async def test_body_over_the_limit_is_a_413(port: int) -> None:
    for path in ("/big", "/big-chunked"):
        with pytest.raises(TooLarge) as caught:
            await fetcher("127.0.0.1").fetch(f"http://127.0.0.1:{port}{path}")
        assert caught.value.status_code == 413 and str(LIMIT) in caught.value.detail
    exact = fetcher("127.0.0.1", max_bytes=len(PNG))
    assert await exact.fetch(f"http://127.0.0.1:{port}/image.png") == PNG


async def test_upstream_error_status_is_a_400(port: int) -> None:
    detail = await refused(fetcher("127.0.0.1"), f"http://127.0.0.1:{port}/missing")
    assert "could not be fetched" in detail and "404" in detail
    assert "500" in await refused(fetcher("127.0.0.1"), f"http://127.0.0.1:{port}/nothing")


async def test_compressed_body_is_refused(port: int) -> None:
    assert "gzip" in await refused(fetcher("127.0.0.1"), f"http://127.0.0.1:{port}/gzip")


async def test_redirects_are_followed_and_checked(port: int) -> None:
    both = fetcher("127.0.0.1", "localhost")
    assert await both.fetch(f"http://127.0.0.1:{port}/relative") == PNG
    assert await both.fetch(f"http://127.0.0.1:{port}/to-localhost") == PNG

    detail = await refused(both, f"http://127.0.0.1:{port}/to-elsewhere")
    assert "redirects to a refused URL" in detail and "elsewhere.example" in detail
    assert "http://" in await refused(both, f"http://127.0.0.1:{port}/to-ftp")
    # Listed, but without the private flag a redirect onto loopback is refused too.
    public_only = fetcher("localhost", "*.example.test", private=False, resolver=to_loopback)
    assert "may not reach" in await refused(public_only, f"http://{TEST_HOST}:{port}/to-localhost")


async def test_redirect_count_is_bounded(port: int) -> None:
    detail = await refused(fetcher("127.0.0.1", max_redirects=3), f"http://127.0.0.1:{port}/loop")
    assert "more than 3" in detail
    none = fetcher("127.0.0.1", max_redirects=0)
    assert "more than 0" in await refused(none, f"http://127.0.0.1:{port}/relative")


async def test_slow_origin_times_out_quickly(port: int) -> None:
    started = time.monotonic()
    detail = await refused(fetcher("127.0.0.1", timeout_s=0.3), f"http://127.0.0.1:{port}/slow")
    assert "longer than 0.3 s" in detail
    assert time.monotonic() - started < 1.5


async def test_refused_connection_is_a_400() -> None:
    server, closed_port = await _start()
    server.close()
    await server.wait_closed()
    detail = await refused(fetcher("127.0.0.1"), f"http://127.0.0.1:{closed_port}/image.png")
    assert "could not be fetched" in detail


# --- https: SNI and the certificate check use the host name, not the pinned address -----


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "ec",
            "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
            "-keyout", str(key), "-out", str(cert), "-subj", f"/CN={TEST_HOST}",
            "-addext", f"subjectAltName=DNS:{TEST_HOST}",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture(scope="module")
async def tls_port(certificate: tuple[Path, Path]) -> AsyncIterator[int]:
    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    server, bound = await _start(context)
    async with server:
        yield bound


async def test_https_checks_the_certificate_against_the_host_name(
    tls_port: int, certificate: tuple[Path, Path]
) -> None:
    trust = ssl.create_default_context(cafile=str(certificate[0]))
    fetch = fetcher(TEST_HOST, OTHER_HOST, resolver=to_loopback, verify=trust)
    body = await fetch.fetch(f"https://{TEST_HOST}:{tls_port}/host")
    assert body == f"{TEST_HOST}:{tls_port}".encode()
    # Same address, same certificate, but a name the certificate does not cover.
    assert "could not be fetched" in await refused(fetch, f"https://{OTHER_HOST}:{tls_port}/host")
    # A certificate nobody trusts is refused as well.
    untrusted = fetcher(TEST_HOST, resolver=to_loopback)
    assert "could not be fetched" in await refused(
        untrusted, f"https://{TEST_HOST}:{tls_port}/host"
    )
