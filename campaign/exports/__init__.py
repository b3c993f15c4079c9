"""Exporting supporters: filters, cells (one formula guard), writers (COPY, csv, xlsx), jobs,
the staff pages and `manage.py export_supporters`."""
