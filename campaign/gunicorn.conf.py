"""gunicorn settings for production (see README.md, "Performance").

gthread workers, one process per core with four threads each: a signature spends much of its
time waiting on PostgreSQL (a commit waits for the disk), Redis and the broker, and threads
cover those waits without a process (and its ~70 MB) each; they also keep connections alive,
which sync workers cannot. Measured side by side on two cores (bench/ab_gunicorn.py, A/B in
alternating rounds): signatures 1.15x (machine busy with other work) to 1.3x (quiet) faster
than 4 sync workers; the home page 1.46x faster when busy, 0.9x when quiet; 3x4 was no
faster than 2x4 with PostgreSQL, Redis and the Celery worker on the same cores.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", str(os.cpu_count() or 2)))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "sync" if threads == 1 else "gthread"
# Workers are recycled now and then (a guard against slow leaks). The app is imported once
# in the master, so a new worker is a fork, not ~1 s of CPU importing Django: at 20,000
# requests a surge recycled a worker every ~20 s, and each restart stalled its requests.
preload_app = True
max_requests = 200000
max_requests_jitter = 20000
timeout = 30
# Each turn of a gthread worker's loop touches its heartbeat file (os.utime): on a disk-backed
# /tmp that is a journaled metadata write, on tmpfs a memory write. Docker and this machine
# both mount a tmpfs at /dev/shm; gunicorn's own docs recommend it. (On this machine's ext4
# the A/B in bench/ab_gunicorn.py showed no difference beyond its noise; on overlay
# filesystems gunicorn reports stalls.)
worker_tmp_dir = os.environ.get("GUNICORN_WORKER_TMP_DIR") or ("/dev/shm" if os.path.isdir("/dev/shm") else None)
graceful_timeout = 30
keepalive = 5
# Access logs carry only method, path and status: never a query string with personal data.
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'

