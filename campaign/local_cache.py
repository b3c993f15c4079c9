"""Django's in-process cache (no Redis: `make run`, most tests), with the windowed counters
the Redis cache has (campaign/redis_cache.py), so callers need not ask which cache they have."""

import time

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

    def send_slot(self, pause_key: str, slot_key: str, interval: float) -> tuple[float, float]:
        """As the Redis cache's: (seconds the pause has left, or 0; seconds until the slot taken)."""
        now = time.time()
        until = self.get(pause_key, 0.0)
        if until > now:
            return until - now, 0.0
        if interval <= 0:
            return 0.0, 0.0
        slot = max(now, self.get(slot_key, 0.0))
        self.set(slot_key, slot + interval, timeout=slot + interval - now + 1)
        return 0.0, slot - now

    def pause_extend(
        self, pause_key: str, level_key: str, first: float, longest: float, remember: int
    ) -> tuple[int, float]:
        """As the Redis cache's: (level, seconds the pause lasts)."""
        now = time.time()
        until = self.get(pause_key, 0.0)
        if until > now:
            return self.get(level_key, 1), until - now
        level = self.get(level_key, 0) + 1
        self.set(level_key, level, timeout=remember)
        seconds = min(longest, first * 2 ** (level - 1))
        self.set(pause_key, now + seconds, timeout=seconds + 1)
        return level, seconds
