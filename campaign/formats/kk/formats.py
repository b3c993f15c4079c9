# Kazakh number formats, which Django does not ship: "10 000" and "3,5", as in Russian
# (CLDR's kk: a no-break space between thousands, a comma before decimals).
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"
NUMBER_GROUPING = 3
# Dates as they are written in Kazakhstan's documents: 08.03.2026 (Django's Kazakh month names
# are capitalised and have no genitive forms to write "8 наурыз" with).
DATE_FORMAT = "d.m.Y"
