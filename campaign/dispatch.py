"""Handing work to a Celery worker, by task name.

Domain modules publish through here, so none of them imports a tasks module: tasks import
services, never the reverse. Task names are strings on purpose: messages already queued in
Redis during a deploy name their task, and must still be understood.

Which way work goes is Celery's own setting, read here and nowhere else:
CELERY_TASK_ALWAYS_EAGER (no broker: `make run`, most tests) runs a task at once in the
caller's process (`InProcess`); otherwise it goes to the broker for a worker (`Broker`).
"""

from functools import cache as once

from django.core.cache import cache

from campaign.celery import app


class Broker:
    """Work goes to the broker; workers in other processes run it."""

    # A sender may linger for more work, and wake a second process to share a backlog.
    shares_work = True

    def send(self, name: str, *args, countdown: float | None = None) -> None:
        """Publish task `name` with these (JSON) arguments."""
        _tasks_registered()
        app.signature(name, args=args).apply_async(countdown=countdown)

    def first_in(self, key: str, seconds: int) -> bool:
        """True for the first caller in `seconds` (a flag in the cache): only it publishes,
        the others rely on the task already on its way."""
        return cache.add(key, 1, timeout=seconds)

    def count_and_first_in(self, counters: list[tuple[str, int]], key: str, seconds: int) -> tuple[list[int], bool]:
        """`cache.incr_windowed(counters)` and `first_in(key, seconds)` in one cache round trip."""
        return cache.incr_windowed_add(counters, key, 1, seconds)

    def first_in_unknown(self) -> bool:
        """Whether to publish when the flag could not be tried (the cache is down): not to a
        broker (the row is the outbox, the sweeper sends it, and trying again would wait on
        the cache a second time)."""
        return False


class InProcess(Broker):
    """A task runs at once, in the caller: there is no other process to share a backlog with,
    nobody to wait for, and no flag to respect (the task it would stand for has already run)."""

    shares_work = False

    def first_in(self, key: str, seconds: int) -> bool:
        return True

    def count_and_first_in(self, counters: list[tuple[str, int]], key: str, seconds: int) -> tuple[list[int], bool]:
        return cache.incr_windowed(counters), True

    def first_in_unknown(self) -> bool:
        return True


@once
def _tasks_registered() -> None:
    """Import every installed app's tasks module, as a worker does when it starts (Celery's
    autodiscovery), so a name finds its task: in-process it must run, not go to a broker."""
    app.loader.import_default_modules()


def dispatcher() -> Broker:
    """The way work goes under the current Celery configuration."""
    return InProcess() if app.conf.task_always_eager else Broker()
