"""Loopback ports for the servers the tests start, chosen outside the kernel's ephemeral range.

A port the kernel hands out for `bind(0)` comes from the ephemeral range, the same range it
draws from for the local end of outgoing connections. Between our check and the server's
own bind, another process's database pool or Redis client can take that port, and the
server then fails to start with "address already in use" (seen in CI). Ports below the
ephemeral range are only ever taken by an explicit bind, so a free one stays free.
"""

from __future__ import annotations

import random
import socket
from pathlib import Path

_RANGE_FILE = Path("/proc/sys/net/ipv4/ip_local_port_range")
_LOWEST = 20000


def ephemeral_range() -> tuple[int, int]:
    """The kernel's ephemeral port range (Linux's default where it cannot be read)."""
    try:
        low, high = (int(part) for part in _RANGE_FILE.read_text().split())
    except (OSError, ValueError):
        return 32768, 60999
    return low, high


def _candidates(size: int) -> tuple[int, int]:
    low, high = ephemeral_range()
    if low - size > _LOWEST:
        return _LOWEST, low - size
    return high + 1, 65535 - size


def _all_free(base: int, size: int) -> bool:
    socks: list[socket.socket] = []
    try:
        for port in range(base, base + size):
            sock = socket.socket()
            socks.append(sock)
            sock.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        for sock in socks:
            sock.close()


def free_port_block(size: int = 1) -> int:
    """Return a base port such that `size` consecutive loopback ports are free."""
    first, last = _candidates(size)
    pick = random.Random()
    for _ in range(500):
        base = pick.randint(first, last)
        if _all_free(base, size):
            return base
    raise RuntimeError(f"no block of {size} free ports between {first} and {last + size}")


def free_port() -> int:
    """Return one free loopback port outside the ephemeral range."""
    return free_port_block(1)
