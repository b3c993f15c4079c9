"""The export's COPY as the app builds it, timed by PostgreSQL, for two checkouts side by side.

    # in each checkout (DATABASE_URL: any migrated database; only SQL is compiled there):
    .venv/bin/python bench/export_pairs.py statements <petition id> [COLUMN,...] > /tmp/export/<side>.json
    # once, in the checkout whose schema is the newer (it holds every column either side reads):
    .venv/bin/python bench/export_pairs.py load <rows>
    .venv/bin/python bench/export_pairs.py variants /tmp/export/after.json   # other SQL forms
    .venv/bin/python bench/export_pairs.py time <rounds> /tmp/export/before.json /tmp/export/after.json ...

`statements` prints the COPY statements the app's writer sends (campaign/exports/writers.py:
export_queryset, copy_cells, compose_sql) for the contact list (CSV, confirmed, contactable)
and the delivery list (CSV, every supporter), with TO STDOUT made TO '/dev/null', so that what
is timed is PostgreSQL's: the scan, each cell's SQL and COPY's own quoting, none of the
network or the client. `load` replaces the signatures of the bench petition with `rows`
confirmed ones, all contactable (both lists then hold every row): names of one to three words
in Latin and Cyrillic, some starting with a formula trigger, ~40 countries.
`time` runs each side's statement in turn, `rounds` times (round-robin over the files given),
on one connection, and prints for each the elapsed time (what psql's \\timing shows) and the
server process's CPU time (/proc/<pid>/schedstat: PostgreSQL must run on this host; no
parallel workers), with the medians. The first round is a warm-up and is not counted.
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

LISTS = ("contact", "delivery")


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campaign.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    import django

    django.setup()


def statements(petition_id: int, without: tuple[str, ...] = ()) -> None:
    """`without`: columns to leave out (to price them on their own, on the same checkout)."""
    _django()
    from django.db import connection

    from campaign.exports import filters as export_filters
    from campaign.exports.cells import copy_cells
    from campaign.exports.filters import ExportFilters, export_queryset

    for name in ("CONTACT_COLUMNS", "DELIVERY_COLUMNS"):
        columns = getattr(export_filters, name)
        setattr(export_filters, name, tuple(c for c in columns if c not in without))

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
    email_sent_at, state_before_invalidation, public_id)
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
    true, 'sent', 1, 0, now() - (g || ' seconds')::interval * 60, now() - (g || ' seconds')::interval * 60, '',
    md5('load.' || g)
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


def variants(source: str) -> None:
    """Today's statements with first_name and country_name in other SQL forms, each written
    beside `source` (the after side's file) as <form>.json, to time with `time`:

      floor         the two cells as raw columns (what two more columns cost COPY by themselves)
      fn-only       first_name as the app writes it, country_name raw
      cn-only       country_name as the app writes it, first_name raw
      fn-splitpart  first_name as split_part(name, ' ', 1): cheap, but not the same cells
                    (leading spaces, commas, tabs, Unicode spaces)
      fn-dfa        the same cells: split_part where a no-capture regex shows it agrees
      cn-join       country_name from a hash join against a VALUES list of the names
    """
    sides = json.loads(Path(source).read_text())
    forms = {}
    for name, item in sides.items():
        sql = item["copy"]
        first = sql[sql.find("COALESCE(CASE WHEN ascii(") : sql.find(' AS "coalesce1"')]
        start = sql.find("COALESCE(('{")
        country = sql[start : sql.find(' AS "coalesce', start)]
        column = first[first.find("ascii(") + 6 : first.find(") > 64")]
        names = json.loads(country[country.find("'") + 1 : country.find("'::jsonb")].replace("''", "'"))
        rows = ", ".join("('{}', '{}')".format(code, text.replace("'", "''")) for code, text in names.items())
        word = f"substring({column} from '[^[:space:],;]+')"
        agreeing = f"CASE WHEN {column} ~ '^[^[:space:],;]+( |$)' THEN split_part({column}, ' ', 1) ELSE {word} END"
        raw_country = '"petitions_signature"."country"'
        forms.setdefault("floor", {})[name] = sql.replace(first, column).replace(country, raw_country)
        forms.setdefault("fn-only", {})[name] = sql.replace(country, raw_country)
        forms.setdefault("cn-only", {})[name] = sql.replace(first, column)
        forms.setdefault("fn-splitpart", {})[name] = sql.replace(country, raw_country).replace(
            first, f"split_part({column}, ' ', 1)"
        )
        forms.setdefault("fn-dfa", {})[name] = sql.replace(country, raw_country).replace(
            first, first.replace(word, agreeing)
        )
        forms.setdefault("cn-join", {})[name] = (
            sql.replace(first, column)
            .replace(country, "COALESCE(cn.name, '')")
            .replace(
                'FROM "petitions_signature"',
                f'FROM "petitions_signature" LEFT JOIN (VALUES {rows}) cn(code, name) ON cn.code = {raw_country}',
            )
        )
    for form, statements in forms.items():
        out = {name: {"columns": sides[name]["columns"], "copy": sql} for name, sql in statements.items()}
        Path(source).with_name(f"{form}.json").write_text(json.dumps(out))


def _backend_cpu_ns(pid: int) -> int:
    """The server process's time on a CPU so far (Linux schedstat; PostgreSQL on this host)."""
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])


def time_rounds(rounds: int, files: list[str]) -> None:
    """Each statement's elapsed time as psql's \\timing measures it (the client's clock around
    the statement) and the server process's CPU time for it, which a loaded machine moves less."""
    import psycopg

    sides = {Path(f).stem: json.loads(Path(f).read_text()) for f in files}
    lists = [name for name in LISTS if all(name in side for side in sides.values())]
    wall = {(side, name): [] for side in sides for name in lists}
    cpu = {(side, name): [] for side in sides for name in lists}
    with psycopg.connect(os.environ["DATABASE_URL"], autocommit=True) as connection:
        pid = connection.execute("SELECT pg_backend_pid()").fetchone()[0]
        # One process does all the work, so that its CPU time is the statement's: a costlier
        # expression can tip the planner into parallel workers, whose time this would not see.
        connection.execute("SET max_parallel_workers_per_gather = 0")
        for r in range(rounds + 1):  # round 0 warms the cache for every statement
            for name in lists:
                for side, statement in sides.items():
                    cpu_start, started = _backend_cpu_ns(pid), time.perf_counter()
                    cursor = connection.execute(statement[name]["copy"])
                    ms = 1000 * (time.perf_counter() - started)
                    cpu_ms = (_backend_cpu_ns(pid) - cpu_start) / 1e6
                    assert cursor.rowcount > 0, "no rows: run `load` first"
                    print(f"round {r} {name:<8} {side:<12} {ms:8.1f} ms  cpu {cpu_ms:8.1f} ms  {cursor.rowcount} rows")
                    if r:
                        wall[side, name].append(ms)
                        cpu[side, name].append(cpu_ms)
    first = next(iter(sides))
    print(f"\n{'list':<9}{'side':<13}{'wall ms':>8} {'ratio':>6}  {'cpu ms':>8} {'ratio':>6}  cpu each round")
    for name in lists:
        wall_base, cpu_base = statistics.median(wall[first, name]), statistics.median(cpu[first, name])
        for side in sides:
            w, c = statistics.median(wall[side, name]), statistics.median(cpu[side, name])
            each = ", ".join(f"{t:.0f}" for t in cpu[side, name])
            print(f"{name:<9}{side:<13}{w:8.1f} {w / wall_base:6.3f}  {c:8.1f} {c / cpu_base:6.3f}  {each}")
    print(f"(medians of {rounds} rounds; ratios against {first})")


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "statements":
        statements(int(args[0]), tuple(args[1].split(",")) if len(args) > 1 else ())
    elif command == "variants":
        variants(args[0])
    elif command == "load":
        load(int(args[0]))
    elif command == "time":
        time_rounds(int(args[0]), args[1:])
    else:
        sys.exit(__doc__)
