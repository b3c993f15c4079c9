"""Print the URL of this machine's PostgreSQL or Redis if it answers, else nothing.

Used by `make test` so the suite runs against the real services wherever they exist.
"""

import socket
import sys

SERVICES = {
    "database": (5432, "postgres://root@127.0.0.1:5432/campaign"),
    "redis": (6379, "redis://127.0.0.1:6379/15"),
}

if __name__ == "__main__":
    port, url = SERVICES[sys.argv[1]]
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        sys.exit(0)
    print(url)
