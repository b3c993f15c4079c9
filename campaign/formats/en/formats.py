# One way to write a date across the site's English pages, as the case's sources do: 8 March 2026.
# (Russian keeps Django's "8 марта 2026 г.", with the month in the genitive; Kazakh: ../kk.)
DATE_FORMAT = "j F Y"
