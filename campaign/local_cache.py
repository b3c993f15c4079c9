"""Django's in-process cache (no Redis: `make run`, most tests), with the windowed counters
the Redis cache has (campaign/redis_cache.py), so callers need not ask which cache they have."""

from django.core.cache.backends.locmem import LocMemCache as DjangoLocMemCache


class LocMemCache(DjangoLocMemCache):
    def incr_windowed(self, counters: list[tuple[str, int]]) -> list[int]:
        """Add one to each (key, window_seconds) counter; each key expires `window` seconds
        after its first event. Returns the new counts."""
        counts = []
        for key, window in counters:
            self.add(key, 0, timeout=window)
            counts.append(self.incr(key))
        return counts

    def incr_windowed_add(
        self, counters: list[tuple[str, int]], key: str, value: int, timeout: int
    ) -> tuple[list[int], bool]:
        """`incr_windowed(counters)` and `add(key, value, timeout)`: the new counts, and whether
        `key` was added."""
        return self.incr_windowed(counters), self.add(key, value, timeout=timeout)
