"""The export's COPY as the app builds it, timed by PostgreSQL, for two checkouts side by side.

    # in each checkout (DATABASE_URL: any migrated database; only SQL is compiled there):
    .venv/bin/python bench/export_pairs.py statements <petition id> > /tmp/export/<side>.json
    # once, in the checkout whose schema is the newer (it holds every column either side reads):
    .venv/bin/python bench/export_pairs.py load <rows>
    .venv/bin/python bench/export_pairs.py time <rounds> /tmp/export/before.json /tmp/export/after.json ...

`statements` prints the COPY statements the app's writer sends (campaign/exports/writers.py:
export_queryset, copy_cells, compose_sql) for the contact list (CSV, confirmed, contactable)
and the delivery list (CSV, every supporter), with TO STDOUT made TO '/dev/null', so that what
is timed is PostgreSQL's: the scan, each cell's SQL and COPY's own quoting, none of the
network or the client. `load` replaces the signatures of the bench petition with `rows`
confirmed ones, all contactable (both lists then hold every row): names of one to three words
in Latin and Cyrillic, some starting with a formula trigger, ~40 countries.
`time` runs each side's statement in turn, `rounds` times (round-robin over the files given),
through psql with \\timing, and prints each time and the medians. The first round of each
is a warm-up and is not counted.
"""

import json
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

LISTS = ("contact", "delivery")


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campaign.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()


def statements(petition_id: int) -> None:
    _django()
    from django.db import connection

    from campaign.exports.cells import copy_cells
    from campaign.exports.filters import ExportFilters, export_queryset

    out = {}
    for name, contactable in (("contact", True), ("delivery", False)):
        filters = ExportFilters(petition_id=petition_id, states=("confirmed",), contactable=contactable)
        rows = export_queryset(filters=filters)
        sql, params = rows.values_list(*copy_cells(filters=filters)).query.get_compiler(connection=connection).as_sql()
        statement = connection.ops.compose_sql(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, FORCE_QUOTE *)", params)
        out[name] = {"columns": list(filters.columns), "copy": statement.replace(" TO STDOUT ", " TO '/dev/null' ")}
    print(json.dumps(out))


LOAD = """
DELETE FROM petitions_signature WHERE petition_id = %(petition)s;
INSERT INTO petitions_signature (petition_id, name, email, email_canonical, email_domain, country,
    show_publicly, keep_updated, leave_name_off, language, consent_version, state, suspicion, ip_address,
    signed_at, confirmed_at, counted, email_state, email_requests, email_attempts, email_due_at,
    email_sent_at, state_before_invalidation)
SELECT %(petition)s,
    (ARRAY['Aigerim', 'Нурлан', 'Marie-Claire', 'John', 'Ольга', 'Dana', 'Ерлан', '=Eve', 'Zhanar',
           'Thomas', '+Bot', 'Айгуль'])[1 + g %% 12]
      || CASE WHEN g %% 5 = 0 THEN '' ELSE ' ' || (ARRAY['Smith', 'Иванова', 'Abenova', 'de la Cruz',
           'Müller', 'Сейткали', 'O''Brien'])[1 + g %% 7] END
      || CASE WHEN g %% 9 = 0 THEN ', Jr' ELSE '' END,
    'load.' || g || '@d' || (g %% 997) || '.bench.example', 'load.' || g || '@d' || (g %% 997) || '.bench.example',
    'd' || (g %% 997) || '.bench.example',
    (ARRAY['KZ','DE','FR','GB','US','RU','PL','NL','KG','UZ','TR','CN','UA','IT','ES','SE','NO','FI','DK','BE',
           'AT','CH','CZ','LT','LV','EE','GE','AM','AZ','TJ','TM','MN','JP','KR','IN','CA','AU','BR','AR','IL'])[1 + g %% 40],
    g %% 3 = 0, true, g %% 10 = 0, 'en', 'bench', 'confirmed', '[]',
    ('10.' || (g / 65536) %% 256 || '.' || (g / 256) %% 256 || '.' || g %% 256)::inet,
    now() - (g || ' seconds')::interval * 60, now() - (g || ' seconds')::interval * 59,
    true, 'sent', 1, 0, now() - (g || ' seconds')::interval * 60, now() - (g || ' seconds')::interval * 60, ''
FROM generate_series(1, %(rows)s) g;
"""


def load(rows: int) -> None:
    _django()
    from django.db import connection

    from campaign.petitions.models import Petition

    petition = Petition.objects.order_by("-is_featured", "-created_at").first()
    with connection.cursor() as cursor:
        cursor.execute(LOAD, {"petition": petition.pk, "rows": rows})
    connection.connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE petitions_signature")
        cursor.execute("CHECKPOINT")
    print(f"loaded {rows} rows for petition {petition.pk}")


def _psql_ms(url: str, statement: str) -> float:
    script = "\\timing on\n" + statement + ";\n"
    done = subprocess.run(["psql", "-X", "-q", url], input=script, capture_output=True, text=True, check=True)
    times = re.findall(r"^Time: ([\d.]+) ms", done.stdout, re.M)
    copied = re.search(r"^COPY (\d+)", done.stdout, re.M)
    assert times, done.stdout + done.stderr
    return float(times[-1]), int(copied.group(1)) if copied else None


def time_rounds(rounds: int, files: list[str]) -> None:
    url = os.environ["DATABASE_URL"]
    sides = {Path(f).stem: json.loads(Path(f).read_text()) for f in files}
    times = {(side, name): [] for side in sides for name in LISTS}
    for r in range(rounds + 1):  # round 0 warms the cache for every statement
        for name in LISTS:
            for side, statement in sides.items():
                ms, rows = _psql_ms(url, statement[name]["copy"])
                print(f"round {r} {name:<8} {side:<8} {ms:9.1f} ms  {rows} rows", flush=True)
                if r:
                    times[side, name].append(ms)
    first = next(iter(sides))
    print(f"\n{'list':<9}{'side':<9}{'median ms':>10}  {'vs ' + first:>9}  each round")
    for name in LISTS:
        base = statistics.median(times[first, name])
        for side in sides:
            median = statistics.median(times[side, name])
            each = ", ".join(f"{t:.0f}" for t in times[side, name])
            print(f"{name:<9}{side:<9}{median:>10.1f}  {median / base:>9.3f}  {each}")


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "statements":
        statements(int(args[0]))
    elif command == "load":
        load(int(args[0]))
    elif command == "time":
        time_rounds(int(args[0]), args[1:])
    else:
        sys.exit(__doc__)
