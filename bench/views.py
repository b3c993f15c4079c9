"""Baselines: the least Django can do for the same request, on the same server.

They go through the same middleware as the product's views; what they skip is the product's
own work (form validation, abuse checks, templates, the broker), which is what the ratios in
the benchmark measure.
"""

from functools import lru_cache

from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from campaign.petitions.models import Petition, Signature


@lru_cache(maxsize=1)
def _petition_id() -> int:
    return Petition.objects.values_list("pk", flat=True).order_by("pk").first()


@csrf_exempt
@require_POST
def bare_insert(request):
    """One INSERT into the signatures table from the posted address; nothing else."""
    email = request.POST.get("email", "")
    Signature.objects.create(
        petition_id=_petition_id(),
        name=request.POST.get("name", ""),
        email=email,
        email_index=email.lower(),  # the baseline stores in clear: encryption is what it measures
        email_domain=email.rpartition("@")[2],
        country="KZ",
        consent_version="bench",
        email_state=Signature.EmailState.NONE,  # no email owed: the baseline sends nothing
        email_due_at=timezone.now(),
    )
    return HttpResponse(status=302, headers={"Location": "/en/"})


@lru_cache(maxsize=8)
def _body(size: int) -> bytes:
    return (b"<!doctype html><title>static</title>" + b"x" * size)[:size]


@require_safe
def static_bytes(request):
    """A constant body of the requested size, as a static file server would send it."""
    try:
        size = max(0, min(int(request.GET.get("bytes", "0")), 1_000_000))
    except ValueError:
        size = 0
    content_type = "application/json" if request.GET.get("type") == "json" else "text/html; charset=utf-8"
    return HttpResponse(_body(size), content_type=content_type)
