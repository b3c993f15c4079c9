"""What a visitor sees when the site fails: a database that cannot be reached is a short,
translated 503 with Retry-After (try again shortly), anything else the 500 page.

Django calls this view (handler500 in campaign/urls.py) for any exception a view or middleware
let through, inside the except block: the one place that turns "database unavailable" into a 503.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views import defaults

RETRY_AFTER_SECONDS = 30


def server_error(request):
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        # No request context: the context processors could need the database that just failed.
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return defaults.server_error(request)
