"""The supporter's journey against the real stack: gunicorn, PostgreSQL, Redis, a celery
worker and an SMTP server, over HTTP as a browser behind the production proxy would do it."""

import pytest
from django.urls import reverse

from campaign.petitions.models import Signature
from campaign.petitions.services import email_lookup

from .stack import Visitor, confirm_link, wait_for

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

SECURITY_HEADERS = ("Content-Security-Policy", "Strict-Transport-Security", "Referrer-Policy", "X-Content-Type-Options")


def test_supporter_signs_gets_the_email_confirms_and_the_count_moves(seeded, make_stack, smtp):
    stack = make_stack()
    visitor = Visitor(stack.base_url)
    address = "aigerim.bekova@example.org"

    home = visitor.get(reverse("content:home"))  # "/" redirects to the visitor's language
    assert home.status_code == 200
    signed = visitor.submit(
        home,
        reverse("petitions:sign", kwargs={"slug": seeded.slug}),
        {"name": "Aigerim Bekova", "email": address, "country": "KZ", "keep_updated": "on"},
    )
    assert signed.status_code == 302, signed.text[:500]
    assert signed.headers["Location"] == reverse("petitions:thanks", kwargs={"slug": seeded.slug})
    assert visitor.get(signed.headers["Location"]).status_code == 200
    # The promise behind the thank-you page: the signature exists already.
    assert Signature.objects.filter(petition=seeded, email_index=email_lookup(address)).count() == 1

    smtp.wait_for_each([address], timeout=30, diagnostics=stack.tails)
    [received] = smtp.to(address)
    assert received.message["To"] == address
    assert "confirm" in received.message["Subject"].lower()
    assert (
        received.message["List-Unsubscribe"]
        .strip()
        .startswith(f"<{stack.base_url}" + reverse("petitions:unsubscribe", kwargs={"token": "T"})[:-2])
    )
    link = confirm_link(received.message)
    assert link.startswith(stack.base_url + reverse("petitions:confirm", kwargs={"token": "T"})[:-2])

    # Following the link (as a mail scanner does) shows a button and confirms nothing.
    page = visitor.get(link)
    assert page.status_code == 200
    assert "Confirm my signature" in page.text
    assert Signature.objects.get(email_index=email_lookup(address)).confirmed_at is None

    confirmed = visitor.submit(page, link, {})
    assert confirmed.status_code == 302
    assert confirmed.headers["Location"] == reverse("petitions:confirmed", kwargs={"slug": seeded.slug})
    assert visitor.get(confirmed.headers["Location"]).status_code == 200

    count_url = reverse("petition_count", kwargs={"slug": seeded.slug})
    wait_for(
        lambda: visitor.get(count_url).json()["count"] == 1,
        timeout=30,
        what="count.json to show the confirmed signature",
        diagnostics=stack.tails,
    )
    count = visitor.responses[-1]
    assert count.json() == {"count": 1, "goal": seeded.goal, "next_goal": 100}  # the first step
    assert count.headers["Cache-Control"] == "public, max-age=15"
    assert len(smtp.to(address)) == 1

    # Production's headers and cookies, as gunicorn serves them behind the TLS proxy.
    for response in visitor.responses:
        missing = [h for h in SECURITY_HEADERS if h not in response.headers]
        assert not missing, f"{response.request.method} {response.url} lacks {missing}"
    csrf_cookie = next(r for r in visitor.responses if "csrftoken" in r.headers.get("Set-Cookie", ""))
    assert "Secure" in csrf_cookie.headers["Set-Cookie"] and "HttpOnly" in csrf_cookie.headers["Set-Cookie"]
