"""The issue's "done means", walked through the pages as a moderator new to them would."""

import re
from html import unescape

from django.urls import reverse

from campaign.petitions.models import AuditEntry, Invalidation, Petition, Signature
from tests.factories import SignatureFactory

State = Signature.State
BOT_NET = "198.51.100"


def text(response) -> str:
    """The page as a person reads it: tags dropped, whitespace collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.content.decode())).split())


def hidden_inputs(form_html: str) -> dict:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form_html))


def test_a_burst_of_500_bots_from_one_subnet_is_found_invalidated_audited_and_reversible(
    client, petition, moderator, administrator, counted, django_capture_on_commit_callbacks
):
    # 500 bot signatures from one /24, 180 of them confirmed (the bots read their own mail).
    for i in range(500):
        SignatureFactory(
            petition=petition,
            ip_address=f"{BOT_NET}.{i % 250 + 1}",
            email=f"bot{i}@inbox.example",
            **({"state": State.CONFIRMED, "confirmed": True} if i < 180 else {}),
        )
    # And real supporters, from all over.
    for i in range(60):
        SignatureFactory(petition=petition, ip_address=f"192.0.2.{i + 1}", confirmed=True, country="KZ")
    counted()
    count_url = reverse("petition_count", kwargs={"slug": petition.slug})
    assert client.get(count_url).json()["count"] == 240

    # The moderator opens the dashboard and sees the subnet at the top of the last hour.
    client.force_login(moderator)
    dashboard = client.get(reverse("moderation:dashboard"))
    assert dashboard.status_code == 200
    page = dashboard.content.decode()
    assert f"{BOT_NET}.0/24 500" in text(dashboard)
    assert reverse("moderation:chart") in page

    # "Invalidate…" beside the subnet carries it to the bulk invalidation form.
    forms = re.findall(
        r'<form method="post" action="{}".*?</form>'.format(re.escape(reverse("moderation:invalidation_new"))),
        page,
        re.S,
    )
    handover = next(hidden_inputs(f) for f in forms if f"{BOT_NET}.0/24" in f)
    form_page = client.post(reverse("moderation:invalidation_new"), handover)
    assert form_page.status_code == 200
    assert f'value="{BOT_NET}.0/24"' in form_page.content.decode()

    # Preview: how many match, and by how much the public count will drop.
    criteria = {
        "step": "preview",
        "petition": petition.pk,
        "ip": f"{BOT_NET}.0/24",
        "country": "",
        "reason": "bot burst",
    }
    preview = client.post(reverse("moderation:invalidation_new"), criteria)
    assert preview.status_code == 200
    assert "500 signatures match" in text(preview)
    assert "The public count will drop by 180" in text(preview)

    # Apply: one click; the worker does the batches and the progress page shows the result.
    apply_form = re.search(
        r'<input type="hidden" name="step" value="apply">.*?</form>', preview.content.decode(), re.S
    ).group(0)
    with django_capture_on_commit_callbacks(execute=True):
        applied = client.post(reverse("moderation:invalidation_new"), {"step": "apply", **hidden_inputs(apply_form)})
    assert applied.status_code == 302
    progress = client.get(applied["Location"])
    assert "500 signatures rejected" in text(progress)

    # The public count drops by exactly the confirmed ones among them.
    counted()
    assert client.get(count_url).json()["count"] == 60
    assert Petition.objects.get(pk=petition.pk).signature_count == 60

    # The administrator sees it in the audit log: who, what, how many, with which filter.
    client.force_login(administrator)
    audit = client.get(reverse("admin:petitions_auditentry_changelist"))
    assert audit.status_code == 200
    lines = text(audit)
    assert "moderator started a bulk invalidation 500" in lines
    assert "moderator bulk invalidation finished 500" in lines
    # The audit entry names the filter; its values are on the invalidation's own page, which
    # loses them if a signer it selects is erased (test_erasure_leaves_no_trace.py).
    assert "Criteria: IP address or range" in lines and "bot burst" in lines
    assert f"{BOT_NET}.0/24" in text(progress)

    # And it can be undone as a whole.
    invalidation = Invalidation.objects.get()
    client.force_login(moderator)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("moderation:invalidation_reverse", args=[invalidation.pk]), {"confirm": "yes"})
    counted()
    assert client.get(count_url).json()["count"] == 240
    assert Signature.objects.filter(state=State.CONFIRMED).count() == 240
    assert AuditEntry.objects.filter(action="invalidation_reversed", count=500).exists()
