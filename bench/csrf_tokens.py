"""Django's CSRF string vs campaign.csrf_tokens', alone and beside a thread that keeps the CPU
busy (as another request in a gthread worker does). Prints microseconds per string.

    .venv/bin/python bench/csrf_tokens.py [N]
"""

import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "campaign.settings")

from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.utils.crypto import get_random_string

from campaign.csrf_tokens import new_csrf_string


def django_string():
    return get_random_string(CSRF_SECRET_LENGTH, allowed_chars=CSRF_ALLOWED_CHARS)


def measure(make, count):
    wall, cpu = time.perf_counter(), time.thread_time()
    for _ in range(count):
        make()
    return (time.perf_counter() - wall) / count * 1e6, (time.thread_time() - cpu) / count * 1e6


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    rows = []
    for label, busy in (("alone", False), ("beside a busy thread", True)):
        stop = threading.Event()
        if busy:
            threading.Thread(target=lambda stop=stop: [None for _ in iter(stop.is_set, True)], daemon=True).start()
        try:
            # alternate, so drift falls on both
            django_figures, ours_figures = measure(django_string, count), measure(new_csrf_string, count)
        finally:
            stop.set()
        rows.append((label, django_figures, ours_figures))
    print(f"{'':22} {'Django wall':>12} {'CPU':>8} {'one call wall':>14} {'CPU':>8}  (µs per string, {count} strings)")
    for label, (dw, dc), (ow, oc) in rows:
        print(f"{label:22} {dw:12.1f} {dc:8.1f} {ow:14.1f} {oc:8.1f}   wall ratio {dw / ow:.0f}x")


if __name__ == "__main__":
    main()
