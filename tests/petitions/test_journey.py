import re

from django.core import mail
from django.urls import reverse

from campaign.petitions.models import Petition, Signature


def test_sign_email_confirm_and_count_in_process(client, seeded, django_capture_on_commit_callbacks):
    sign_url = reverse("petitions:sign", kwargs={"slug": seeded.slug})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            sign_url, {"name": "Aigerim Bekova", "email": "Aigerim@Example.org ", "country": "DE", "keep_updated": "on"}
        )
    assert response.status_code == 302
    assert response["Location"] == reverse("petitions:thanks", kwargs={"slug": seeded.slug})

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["Aigerim@Example.org"]
    confirm_path = re.search(r"http://[^/]+(/\w+/petitions/confirm/[^/\s]+/)", message.body).group(1)

    # Following the link (as a mail scanner would) confirms nothing.
    assert client.get(confirm_path).status_code == 200
    assert Signature.objects.get().confirmed_at is None

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(confirm_path)
    assert response.status_code == 302
    assert Petition.objects.get(pk=seeded.pk).signature_count == 1
    assert client.get(reverse("petition_count", kwargs={"slug": seeded.slug})).json() == {
        "count": 1,
        "goal": seeded.goal,
        "next_goal": 100,  # the first goal step: the page's bar measures against it
    }
