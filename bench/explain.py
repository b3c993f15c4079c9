"""EXPLAIN ANALYZE every query that a sign page view, a count poll, a home page render and a
signature run, as they run (captured from Django), against the bench database.

Run by bench/run.py with the stack's environment; prints one JSON object: for each query its
plan's top line, execution time, and whether it scanned a whole table.
"""

import json
import re

import django

django.setup()

from django.db import connection, transaction  # noqa: E402 - after setup
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

SLUG = "free-kazakhstan-detainees"
client = Client(HTTP_HOST="127.0.0.1")
captured = {}
with CaptureQueriesContext(connection) as queries:
    client.get(f"/en/petitions/{SLUG}/")
captured["sign page"] = list(queries)
with CaptureQueriesContext(connection) as queries:
    client.get(f"/petitions/{SLUG}/count.json")
captured["count.json"] = list(queries)
with CaptureQueriesContext(connection) as queries:
    # A home page render on a cache miss (the view caches its HTML).
    from django.core.cache import cache

    cache.clear()
    client.get("/en/")
captured["home page (cache miss)"] = list(queries)

report = {}
for page, page_queries in captured.items():
    for query in page_queries:
        sql = query["sql"]
        if not sql.lstrip().upper().startswith("SELECT") or sql.strip() == "SELECT 1":
            continue
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)
            plan = [row[0] for row in cursor.fetchall()]
        executed = next((line for line in plan if line.startswith("Execution Time")), "")
        report.setdefault(page, []).append(
            {
                "query": re.sub(r"\s+", " ", sql)[:300],
                "plan": plan[0].strip(),
                "execution_ms": float(re.findall(r"[\d.]+", executed)[0]) if executed else None,
                "seq_scan": [line.strip() for line in plan if "Seq Scan" in line],
            }
        )
print(json.dumps(report))
