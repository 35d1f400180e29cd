"""Per-key request rate limits: a token bucket per API key, in Redis when there is one.

Each key may make `rate` requests a second on average and `burst` at once. The bucket lives
in Redis (one hash per key, updated by a Lua script so replicas share it atomically, timed
by Redis's clock); without Redis, or while it is down, each gateway replica keeps its own
buckets in memory. A request without a token is refused with 429 and `Retry-After`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.auth.cache import RedisLink
from shared import RateLimited

# KEYS[1]: the bucket; ARGV: rate (tokens/s), burst. Returns {allowed (0/1), wait seconds}.
_TAKE = """
local now_parts = redis.call('TIME')
local now = tonumber(now_parts[1]) + tonumber(now_parts[2]) / 1000000
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = (1 - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 1)
return {allowed, tostring(wait)}
"""


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """Takes one token per request from the key's bucket, or refuses with 429."""

    def __init__(self, rate: float, burst: int, redis: RedisLink | None = None) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a rate limit needs a rate above 0 and a burst of at least 1")
        self.rate = rate
        self.burst = burst
        self._redis = redis
        self._local: dict[str, _Bucket] = {}

    async def take(self, key_id: str) -> None:
        """Spend one token of `key_id`'s bucket; RateLimited (429, Retry-After) when empty."""
        allowed, wait = await self._take_shared(key_id)
        if allowed is None:
            allowed, wait = self._take_local(key_id)
        if not allowed:
            retry = max(1, math.ceil(wait))
            raise RateLimited(
                f"this API key is over its rate limit of {self.rate:g} requests a second "
                f"(bursts of {self.burst}); retry in {retry} s",
                retry_after_s=retry,
            )

    async def _take_shared(self, key_id: str) -> tuple[bool | None, float]:
        if self._redis is None:
            return None, 0.0
        redis = self._redis
        bucket = redis.key("rate", key_id)
        result = await redis.call(
            lambda r: r.eval(_TAKE, 1, bucket, str(self.rate), str(self.burst))
        )
        if result is None:
            return None, 0.0
        allowed, wait = result
        return bool(int(allowed)), float(wait)

    def _take_local(self, key_id: str) -> tuple[bool, float]:
        now = time.monotonic()
        bucket = self._local.get(key_id)
        if bucket is None:
            bucket = self._local[key_id] = _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return True, 0.0
        return False, (1 - bucket.tokens) / self.rate


class RemainingCallsHeader:
    """Adds `X-RateLimit-Remaining` to every response: the calls left on the caller's key
    (`request.state.rate_limit_remaining`, set by authentication), or -1 (unlimited, or no key).
    """

    HEADER = b"x-ratelimit-remaining"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                remaining = scope.get("state", {}).get("rate_limit_remaining", -1)
                headers = [(k, v) for k, v in message.get("headers", []) if k != self.HEADER]
                headers.append((self.HEADER, str(remaining).encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_header)
