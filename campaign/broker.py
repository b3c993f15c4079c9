"""kombu's Redis transport, with one client object per channel instead of one per command, and a
channel that can be closed after its connection is gone.

kombu builds a new redis.Redis around its connection pool for every publish and every ack;
in redis-py 8 that constructor costs more CPU than the LPUSH it wraps. The client is only a handle on the pool, which does the
connecting, reconnecting and thread safety, so one per pool is enough. Selected with
CELERY_BROKER_TRANSPORT in settings.
"""

from contextlib import contextmanager

from kombu.transport import redis
from redis.exceptions import ConnectionError as RedisConnectionError


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

    def _connparams(self, asynchronous=False):
        # When Redis goes away under a worker holding unacked tasks, kombu (5.7) closes the connection,
        # detaching the transport (client=None), then closes the channel, whose restore_unacked builds
        # a new pool from that detached transport: AttributeError "'NoneType' object has no attribute
        # 'hostname'", which celery treats as unrecoverable and the worker exits. Same failure upstream:
        # https://github.com/celery/kombu/issues/582 (close path) and #970 (restore_unacked on close).
        # A connection error here is what the closing code ignores; the messages stay in Redis's unacked
        # hash (restored after the visibility timeout) and the email outbox's sweeper re-sends what is due.
        if self.connection.client is None:
            raise RedisConnectionError("broker connection already closed; unacked messages left to Redis")
        return super()._connparams(asynchronous=asynchronous)


class Transport(redis.Transport):
    Channel = Channel
