"""How fast the senders may go, all worker processes together: the provider's rate
(PETITION_EMAIL_RATE, messages per second) and a pause when it refuses (421/451) or cannot be
reached (PETITION_EMAIL_PAUSE_SECONDS, doubling up to PETITION_EMAIL_PAUSE_MAX_SECONDS while
it keeps refusing; a message sent clears the level).

The pace lives in the cache (Redis in production, on Redis's clock) under keys named after the
provider, so every sender takes its turn from one queue of slots and sees one pause. While the
cache is unreachable each process keeps its own pace and pause: the rate is then per process.
"""

import logging
import time
from functools import cache as once

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

# A batch holds its rows in a transaction while it waits for its slots: at most this many
# seconds of sending at the configured rate (see sending.send_due).
BATCH_SECONDS = 5.0
# The pause level outlives the longest pause by far: an outage of hours keeps the longest pause.
LEVEL_SECONDS = 24 * 3600


def _provider() -> str:
    """The configured provider: the backend and, for SMTP, its host and port."""
    backend = settings.EMAIL_BACKEND.rsplit(".", 2)[-2]
    host = getattr(settings, "EMAIL_HOST", "") if backend == "smtp" else ""
    port = getattr(settings, "EMAIL_PORT", "") if backend == "smtp" else ""
    return f"{backend}:{host}:{port}"


def _keys() -> tuple[str, str, str]:
    provider = _provider()
    return f"outbox:paused:{provider}", f"outbox:slot:{provider}", f"outbox:pause-level:{provider}"


def interval() -> float:
    """Seconds between two messages to the provider (0: no limit)."""
    rate = settings.PETITION_EMAIL_RATE
    return 1.0 / rate if rate > 0 else 0.0


def batch_limit(batch_size: int) -> int:
    """The batch size at the configured rate (see BATCH_SECONDS)."""
    rate = settings.PETITION_EMAIL_RATE
    return max(1, min(batch_size, int(rate * BATCH_SECONDS))) if rate > 0 else batch_size


class _Local:
    """Each process's own pace, used while the cache is unreachable."""

    slot = until = 0.0
    level = 0


@once
def _warn_once() -> None:
    logger.warning("The cache is unreachable: each email sender keeps its own pace until it is back.")


def _local_slot(step: float) -> tuple[float, float]:
    now = time.monotonic()
    if _Local.until > now:
        return _Local.until - now, 0.0
    if step <= 0:
        return 0.0, 0.0
    slot = max(now, _Local.slot)
    _Local.slot = slot + step
    return 0.0, slot - now


def paused_for() -> float:
    """Seconds the pause has left (0: sending is not paused)."""
    pause_key, slot_key, _level = _keys()
    try:
        return cache.send_slot(pause_key, slot_key, 0.0)[0]
    except Exception:  # noqa: BLE001 - the cache is down: this process's own pause
        _warn_once()
        return _local_slot(0.0)[0]


def wait_turn() -> float:
    """Wait for this process's next slot to send one message. Returns 0 once it may send, or,
    without waiting, the seconds the pause has left."""
    pause_key, slot_key, _level = _keys()
    step = interval()
    try:
        paused, wait = cache.send_slot(pause_key, slot_key, step)
    except Exception:  # noqa: BLE001 - the cache is down: this process's own pace
        _warn_once()
        paused, wait = _local_slot(step)
    if paused:
        return paused
    if wait > 0:
        time.sleep(wait)
    return 0.0


def pause() -> tuple[int, float]:
    """The provider refused or is unreachable: pause every sender. Returns the level (1: the
    first refusal since a message was last sent) and the seconds the pause lasts."""
    pause_key, _slot, level_key = _keys()
    first, longest = settings.PETITION_EMAIL_PAUSE_SECONDS, settings.PETITION_EMAIL_PAUSE_MAX_SECONDS
    try:
        level, seconds = cache.pause_extend(pause_key, level_key, first, longest, LEVEL_SECONDS)
    except Exception:  # noqa: BLE001 - the cache is down: this process's own pause
        _warn_once()
        now = time.monotonic()
        if _Local.until <= now:
            _Local.level += 1
            _Local.until = now + min(longest, first * 2 ** (_Local.level - 1))
        level, seconds = _Local.level, _Local.until - now
    logger.warning("Email provider refused or unreachable: all senders pause %.0fs (level %d).", seconds, level)
    return level, seconds


def recovered() -> None:
    """A message went out: the next refusal starts again from the first pause."""
    _Local.level, _Local.until = 0, 0.0
    cache.delete(_keys()[2])  # the cache's delete answers as a miss while Redis is down
