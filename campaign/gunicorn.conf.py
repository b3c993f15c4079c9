"""gunicorn settings for production (see README, "Performance", for why these)."""

import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
worker_class = "sync" if threads == 1 else "gthread"
max_requests = 20000
max_requests_jitter = 2000
timeout = 30
graceful_timeout = 30
keepalive = 5
# Access logs carry only method, path and status: never a query string with personal data.
accesslog = "-"
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'
