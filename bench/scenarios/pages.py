"""Pages against a static response of the same size and type, from the same server."""

from bench.load import bracketed, cpu_ratio, fetch_size, measured, wrk
from bench.report import TARGETS, target
from bench.stack import SLUG

# The pages measured: (name in the results, path, the static baseline's content type).
PAGES = [
    ("home", "/en/", "html"),
    ("home_ru", "/ru/", "html"),
    ("home_kk", "/kk/", "html"),
    ("count", f"/petitions/{SLUG}/count.json", "json"),
    ("countries", f"/petitions/{SLUG}/countries.json", "json"),
    ("widget", f"/en/petitions/{SLUG}/widget/", "html"),
]


def scenario_pages(ctx):
    stack = ctx.stack
    seconds = max(5, ctx.seconds // 3)
    result = {"targets": []}
    for name, path, kind in PAGES:
        size = fetch_size(stack.base + path)
        static = f"{stack.base}/bench/static/?bytes={size}&type={kind}"
        page, baseline = bracketed(
            lambda s, static=static: measured(stack, lambda: wrk(static, seconds=s)),
            lambda s, path=path: measured(stack, lambda: wrk(stack.base + path, seconds=s)),
            seconds,
        )
        ratio = round(page["per_s"] / baseline["per_s"], 3)
        result[name] = {
            "page": page,
            "static_same_size": baseline,
            "bytes": size,
            "ratio": ratio,
            "cpu_ratio": cpu_ratio(page, baseline),
        }
        result["targets"].append(target(f"{name} ratio vs static", ratio, ">=", TARGETS["pages_ratio"]))
        result["targets"].append(target(f"{name} errors", page["errors"], "<=", 0))
    return result
