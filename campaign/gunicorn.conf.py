"""gunicorn settings for production (see README.md, "Performance").

Sync workers, two per core, behind the TLS proxy that docker-compose.yml asks for. That proxy
must buffer requests and responses (nginx does by default), as gunicorn's docs require for
sync workers: a slow client then costs the proxy a connection, not us a worker.

Why not threads: a gthread worker accepts every connection it can while it is awake and keeps
each while the client keeps it alive, so one worker can end up with most connections and its
requests wait behind each other; sync workers take one request at a time from the kernel's
shared queue, in order. GUNICORN_THREADS > 1 switches back to gthread. (The measurements behind
this choice are in docs/performance.md.)
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", str(2 * (os.cpu_count() or 1))))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "sync" if threads == 1 else "gthread"
# Workers are recycled now and then (a guard against slow leaks). The app is imported once
# in the master, so a new worker is a fork, not an import of Django; recycling is rare enough
# that a surge does not keep restarting workers.
preload_app = True
max_requests = 200000
max_requests_jitter = 20000
# A sync worker is killed when one request outlives this: 60 s, nginx's default proxy_read_timeout, so nothing the
# proxy still waits for is cut short. Exports past a few seconds' work go to a background task.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# Each turn of a worker's loop touches its heartbeat file (os.utime): on a disk-backed
# /tmp that is a journaled metadata write, on tmpfs a memory write. Docker and this machine
# both mount a tmpfs at /dev/shm; gunicorn's own docs recommend it (on overlay filesystems
# gunicorn reports stalls).
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or ("/dev/shm" if os.path.isdir("/dev/shm") else None)
graceful_timeout = 30
keepalive = 5  # gthread only: a sync worker closes the connection after each response
# Access logs carry only method, path, status, size and time: never the client's address, a
# query string, a header or a token (signed links are redacted from paths; see
# campaign/log_redaction.py, whose logger class refuses every other atom).
accesslog = "-"
access_log_format = '"%(m)s %(U)s" %(s)s %(b)s %(L)ss'
logger_class = "campaign.log_redaction.GunicornLogger"
