"""kombu's Redis transport, with one client object per channel instead of one per command.

kombu builds a new redis.Redis around its connection pool for every publish and every ack;
in redis-py 8 that constructor costs more CPU than the LPUSH it wraps. The client is only a handle on the pool, which does the
connecting, reconnecting and thread safety, so one per pool is enough. Selected with
CELERY_BROKER_TRANSPORT in settings.
"""

from contextlib import contextmanager

from kombu.transport import redis


class Channel(redis.Channel):
    _shared_client = None

    @contextmanager
    def conn_or_acquire(self, client=None):
        if client:
            yield client
            return
        pool = self.pool
        shared = self._shared_client
        if shared is None or shared.connection_pool is not pool:
            # First use, or kombu replaced the pool after a disconnect.
            shared = self._shared_client = self._create_client()
        yield shared


class Transport(redis.Transport):
    Channel = Channel
