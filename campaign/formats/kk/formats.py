# Kazakh number formats, which Django does not ship: "10 000" and "3,5", as in Russian
# (CLDR's kk: a no-break space between thousands, a comma before decimals).
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\xa0"
NUMBER_GROUPING = 3
