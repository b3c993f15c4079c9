"""The geometry of the by-country bar chart, drawn as SVG by templates/petitions/countries.html:
server-side, so it reads without JavaScript and loads nothing from another origin."""

from django.utils.translation import gettext as _

from .countries import country_name
from .country_counts import CountryCounts

WIDTH = 640
LABEL_WIDTH = 180  # country names end here, right-aligned
BAR_SPACE = 380  # the longest bar; the rest of the width holds its number
ROW = 28
BAR = 18


def country_chart(counts: CountryCounts | None) -> dict | None:
    """Rows with their name, number (None for "fewer than minimum") and bar, or None with nothing to
    draw. Coordinates are strings: a page in Russian or Kazakh would localize numbers ("12,5")."""
    if counts is None or not counts.total:
        return None
    rows = [{"name": country_name(code), "count": n} for code, n in counts.countries]
    if counts.other:
        label = _("Other countries") if counts.countries else _("All countries")
        rows.append({"name": label, "count": counts.other if counts.other_exact else None, "other": True})
    largest = max((row["count"] or 0 for row in rows), default=0) or 1
    for index, row in enumerate(rows):
        top = index * ROW + 4
        width = round(BAR_SPACE * (row["count"] or 0) / largest, 1)
        row |= {"bar_y": str(top), "text_y": str(top + BAR - 4), "bar_width": str(width)}
        row["value_x"] = str(LABEL_WIDTH + 8 + width + 6)
    return {
        "rows": rows,
        "width": str(WIDTH),
        "height": str(len(rows) * ROW + 8),
        "bar_height": str(BAR),
        "label_x": str(LABEL_WIDTH),
        "bar_x": str(LABEL_WIDTH + 8),
        "other_named": [country_name(code) for code in counts.other_named],
    }
