"""Django's Redis cache, with one client object per connection pool instead of one per call.

Django's RedisCacheClient builds a new redis.Redis around the (shared) pool for every cache
operation; in redis-py 8 that constructor fills a table of response callbacks, more CPU than
the round trip itself. The client is thread-safe
(connections come from the pool per command), so one per pool is enough.

It also counts events in fixed windows in one round trip, one command (`incr_windowed`), for the abuse
checks that run on every signature.

While Redis is unreachable the cache behaves as an empty one that keeps nothing: reads miss, writes
are dropped. Every page is then rendered as it would be without a cache (slower, never a 500);
this is the one place that decides so. `incr_windowed*` still raise: their callers decide what an
unchecked signature means.
"""

import functools
import logging

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (RedisConnectionError, RedisTimeoutError)


def _missing_when_down(answer):
    """Wrap a cache method so that an unreachable Redis gives `answer(*args, **kwargs)` instead of
    an exception. The log line names the operation only: keys may be derived from what people typed."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except UNAVAILABLE:
                logger.warning("Cache unavailable: %s answered as a miss", method.__name__)
                return answer(*args, **kwargs)

        return wrapper

    return decorate


class PooledRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


# One command for all the counters of a signature: a pipeline of SET NX + INCR per counter
# costs more to encode and parse on the web server than the script costs Redis to run.
_INCR_WINDOWED = """
local counts = {}
for i, key in ipairs(KEYS) do
  redis.call('SET', key, 0, 'EX', ARGV[i], 'NX')
  counts[i] = redis.call('INCR', key)
end
return counts
"""

# The same, and one SET NX after the counters (KEYS' last, ARGV's last two: expiry, value):
# a signature's counters and its wake-up flag in one round trip. 1 at the end if it was set.
_INCR_WINDOWED_ADD = """
local counts = {}
local n = #KEYS - 1
for i = 1, n do
  redis.call('SET', KEYS[i], 0, 'EX', ARGV[i], 'NX')
  counts[i] = redis.call('INCR', KEYS[i])
end
counts[n + 1] = redis.call('SET', KEYS[n + 1], ARGV[n + 2], 'EX', ARGV[n + 1], 'NX') and 1 or 0
return counts
"""

# The email sender's pace (campaign/outbox/pace.py), shared by every sender process on Redis's
# clock. KEYS: the pause flag, the next free sending slot. ARGV: seconds between messages (0:
# only look at the pause). Returns {paused, seconds}: how long the pause lasts, or how long
# to wait for the slot just taken.
_SEND_SLOT = """
local paused = redis.call('PTTL', KEYS[1])
if paused > 0 then return {1, tostring(paused / 1000)} end
local interval = tonumber(ARGV[1])
if interval <= 0 then return {0, '0'} end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local slot = math.max(now, tonumber(redis.call('GET', KEYS[2]) or '0'))
redis.call('SET', KEYS[2], tostring(slot + interval), 'PX', math.ceil((slot + interval - now) * 1000) + 1000)
return {0, tostring(slot - now)}
"""

# Pause every sender. KEYS: the pause flag, the pause level (refusals since the last success).
# ARGV: first pause, longest pause, how long the level is remembered (seconds). A sender that
# meets a pause already set (another saw the same refusal) does not lengthen it.
# Returns {level, seconds left}.
_PAUSE = """
local left = redis.call('PTTL', KEYS[1])
if left > 0 then return {tonumber(redis.call('GET', KEYS[2]) or '1'), tostring(left / 1000)} end
local level = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], ARGV[3])
local seconds = math.min(tonumber(ARGV[2]), tonumber(ARGV[1]) * 2 ^ (level - 1))
redis.call('SET', KEYS[1], 1, 'PX', math.max(1, math.floor(seconds * 1000)))
return {level, tostring(seconds)}
"""


def _default(key, default=None, *args, **kwargs):
    return default


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = PooledRedisCacheClient
        self._incr_script = self._incr_add_script = self._slot_script = self._pause_script = None

    get = _missing_when_down(_default)(DjangoRedisCache.get)
    get_many = _missing_when_down(lambda *a, **k: {})(DjangoRedisCache.get_many)
    has_key = _missing_when_down(lambda *a, **k: False)(DjangoRedisCache.has_key)
    set = _missing_when_down(lambda *a, **k: None)(DjangoRedisCache.set)
    add = _missing_when_down(lambda *a, **k: False)(DjangoRedisCache.add)
    touch = _missing_when_down(lambda *a, **k: False)(DjangoRedisCache.touch)
    delete = _missing_when_down(lambda *a, **k: False)(DjangoRedisCache.delete)
    # Django's contract: the keys that could not be set.
    set_many = _missing_when_down(lambda data, *a, **k: list(data))(DjangoRedisCache.set_many)
    delete_many = _missing_when_down(lambda *a, **k: None)(DjangoRedisCache.delete_many)

    def incr_windowed(self, counters: list[tuple[str, int]]) -> list[int]:
        """Add one to each (key, window_seconds) counter; each key expires `window` seconds
        after its first event. Returns the new counts, in one pipelined round trip."""
        client = self._cache.get_client(write=True)
        if self._incr_script is None:
            self._incr_script = client.register_script(_INCR_WINDOWED)  # runs on whichever client it is given
        keys = [self.make_and_validate_key(key) for key, _window in counters]
        return self._incr_script(keys=keys, args=[window for _key, window in counters], client=client)

    def incr_windowed_add(
        self, counters: list[tuple[str, int]], key: str, value: int, timeout: int
    ) -> tuple[list[int], bool]:
        """`incr_windowed(counters)` and `add(key, value, timeout)` in one round trip: the
        new counts, and whether `key` was added."""
        client = self._cache.get_client(write=True)
        if self._incr_add_script is None:
            self._incr_add_script = client.register_script(_INCR_WINDOWED_ADD)
        keys = [self.make_and_validate_key(k) for k, _window in counters] + [self.make_and_validate_key(key)]
        # Django's serializer stores an int as itself, so get() and delete() see what add() would have set.
        replies = self._incr_add_script(
            keys=keys,
            args=[window for _k, window in counters] + [timeout, self._cache._serializer.dumps(value)],
            client=client,
        )
        return list(replies[:-1]), bool(replies[-1])

    def send_slot(self, pause_key: str, slot_key: str, interval: float) -> tuple[float, float]:
        """Take the next sending slot, `interval` seconds after the last one taken by anyone
        (0: take none). Returns (seconds the pause has left, or 0; seconds until the slot)."""
        client = self._cache.get_client(write=True)
        if self._slot_script is None:
            self._slot_script = client.register_script(_SEND_SLOT)
        keys = [self.make_and_validate_key(pause_key), self.make_and_validate_key(slot_key)]
        paused, seconds = self._slot_script(keys=keys, args=[interval], client=client)
        return (float(seconds), 0.0) if paused else (0.0, float(seconds))

    def pause_extend(
        self, pause_key: str, level_key: str, first: float, longest: float, remember: int
    ) -> tuple[int, float]:
        """Set the pause unless it is set: `first` seconds, doubled for each pause since the
        level was cleared, at most `longest`. Returns (level, seconds the pause lasts)."""
        client = self._cache.get_client(write=True)
        if self._pause_script is None:
            self._pause_script = client.register_script(_PAUSE)
        keys = [self.make_and_validate_key(pause_key), self.make_and_validate_key(level_key)]
        level, seconds = self._pause_script(keys=keys, args=[first, longest, remember], client=client)
        return int(level), float(seconds)
