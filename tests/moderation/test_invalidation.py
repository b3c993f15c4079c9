"""Bulk invalidation: criteria, preview equals what is applied, batches with progress, reversal."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from campaign.moderation import actions, invalidations, lookups
from campaign.petitions.models import AuditEntry, Invalidation, Petition, Signature
from tests.factories import PetitionFactory, SignatureFactory

State = Signature.State


def public_count(petition) -> int:
    return Petition.objects.get(pk=petition.pk).signature_count


def invalidate(petition, actor, criteria, django_capture_on_commit_callbacks, reason="bots") -> Invalidation:
    """Preview, then apply, as the page does; the task runs in-process once the request commits."""
    preview = invalidations.invalidation_preview(petition=petition, criteria=criteria)
    with django_capture_on_commit_callbacks(execute=True):
        invalidation = invalidations.invalidation_create(
            actor=actor, petition=petition, criteria=preview["criteria"], reason=reason, matched=preview["matched"]
        )
    invalidation.refresh_from_db()
    return invalidation


@pytest.fixture
def mixed(petition):
    """Signatures from one /24 and from elsewhere, in every state."""
    bots = (
        SignatureFactory.create_batch(4, petition=petition, confirmed=True, ip_address="198.51.100.7")
        + SignatureFactory.create_batch(3, petition=petition, ip_address="198.51.100.8")
        + SignatureFactory.create_batch(
            2, petition=petition, state=State.SUSPICIOUS, suspicion=["rate_subnet"], ip_address="198.51.100.9"
        )
    )
    already = SignatureFactory(petition=petition, state=State.REJECTED, ip_address="198.51.100.10")
    people = SignatureFactory.create_batch(3, petition=petition, confirmed=True, ip_address="192.0.2.1")
    return {"bots": bots, "already": already, "people": people}


def test_preview_counts_exactly_what_is_applied(
    petition, moderator, mixed, counted, django_capture_on_commit_callbacks
):
    counted()
    assert public_count(petition) == 7
    criteria = invalidations.criteria_from(ip="198.51.100.0/24")

    preview = invalidations.invalidation_preview(petition=petition, criteria=criteria)
    assert preview["matched"] == 9
    assert preview["by_state"] == {State.CONFIRMED: 4, State.PENDING: 3, State.SUSPICIOUS: 2}
    assert preview["counted"] == 4

    invalidation = invalidate(petition, moderator, criteria, django_capture_on_commit_callbacks)

    assert invalidation.state == Invalidation.State.DONE
    assert invalidation.affected == invalidation.matched == 9
    assert set(Signature.objects.filter(invalidation=invalidation).values_list("pk", flat=True)) == {
        s.pk for s in mixed["bots"]
    }
    counted()
    assert public_count(petition) == 3


def test_each_invalidated_signature_records_the_invalidation_and_its_state_before(
    petition, moderator, mixed, django_capture_on_commit_callbacks
):
    invalidation = invalidate(
        petition, moderator, invalidations.criteria_from(ip="198.51.100.0/24"), django_capture_on_commit_callbacks
    )
    before = Signature.objects.filter(invalidation=invalidation).values_list("state_before_invalidation", flat=True)
    assert sorted(before) == sorted([State.CONFIRMED] * 4 + [State.PENDING] * 3 + [State.SUSPICIOUS] * 2)
    # The one rejected by hand earlier is not part of it, so reversing cannot un-reject it.
    already = Signature.objects.get(pk=mixed["already"].pk)
    assert already.invalidation is None and already.state == State.REJECTED


def test_reversal_restores_every_signature_and_the_count(
    petition, moderator, administrator, mixed, counted, django_capture_on_commit_callbacks
):
    states = dict(Signature.objects.values_list("pk", "state"))
    counted()
    invalidation = invalidate(
        petition, moderator, invalidations.criteria_from(ip="198.51.100.0/24"), django_capture_on_commit_callbacks
    )
    counted()
    assert public_count(petition) == 3

    with django_capture_on_commit_callbacks(execute=True):
        assert invalidations.invalidation_reverse(actor=administrator, invalidation_id=invalidation.pk)

    invalidation.refresh_from_db()
    assert invalidation.state == Invalidation.State.REVERSED
    assert invalidation.restored == 9
    assert dict(Signature.objects.values_list("pk", "state")) == states
    assert not Signature.objects.filter(invalidation__isnull=False).exists()
    counted()
    assert public_count(petition) == 7
    # Reversed once; a second request changes nothing.
    assert not invalidations.invalidation_reverse(actor=administrator, invalidation_id=invalidation.pk)


def test_reversal_leaves_signatures_changed_by_hand_since(
    petition, moderator, mixed, django_capture_on_commit_callbacks
):
    invalidation = invalidate(
        petition, moderator, invalidations.criteria_from(ip="198.51.100.0/24"), django_capture_on_commit_callbacks
    )
    one = mixed["bots"][0]
    actions.signatures_restore(actor=moderator, signatures=Signature.objects.filter(pk=one.pk))
    actions.signatures_reject(actor=moderator, signatures=Signature.objects.filter(pk=one.pk), reason="checked: spam")

    with django_capture_on_commit_callbacks(execute=True):
        invalidations.invalidation_reverse(actor=moderator, invalidation_id=invalidation.pk)

    assert Signature.objects.get(pk=one.pk).state == State.REJECTED
    assert Invalidation.objects.get(pk=invalidation.pk).restored == 8


def test_signatures_arriving_after_the_preview_are_not_swept_up(
    petition, moderator, django_capture_on_commit_callbacks
):
    SignatureFactory.create_batch(3, petition=petition, email_domain="spam.example")
    preview = invalidations.invalidation_preview(
        petition=petition, criteria=invalidations.criteria_from(email_domain="spam.example")
    )
    late = SignatureFactory(petition=petition, email_domain="spam.example")

    with django_capture_on_commit_callbacks(execute=True):
        invalidation = invalidations.invalidation_create(
            actor=moderator, petition=petition, criteria=preview["criteria"], reason="spam", matched=preview["matched"]
        )

    invalidation.refresh_from_db()
    assert invalidation.affected == preview["matched"] == 3
    assert Signature.objects.get(pk=late.pk).state == State.PENDING


def test_applies_in_batches_and_reports_progress(petition, moderator):
    SignatureFactory.create_batch(25, petition=petition, country="RU")
    preview = invalidations.invalidation_preview(petition=petition, criteria=invalidations.criteria_from(country="RU"))
    invalidation = Invalidation.objects.create(
        petition=petition, criteria=preview["criteria"], reason="test", matched=preview["matched"], created_by=moderator
    )

    # A worker that may only do one batch per run hands back where it stopped.
    cursor = invalidations.invalidation_apply(invalidation_id=invalidation.pk, batch_size=10, seconds=0)
    invalidation.refresh_from_db()
    assert (invalidation.state, invalidation.affected, invalidation.matched) == (Invalidation.State.RUNNING, 10, 25)
    # Running a batch again from an earlier point (a redelivered task) counts nothing twice.
    invalidations.invalidation_apply(invalidation_id=invalidation.pk, after_pk=0, batch_size=10, seconds=0)
    while cursor is not None:
        cursor = invalidations.invalidation_apply(
            invalidation_id=invalidation.pk, after_pk=cursor, batch_size=10, seconds=0
        )
    invalidation.refresh_from_db()
    assert (invalidation.state, invalidation.affected) == (Invalidation.State.DONE, 25)


def test_the_progress_page_shows_affected_against_matched_and_refreshes_itself(client, petition, moderator):
    invalidation = Invalidation.objects.create(
        petition=petition,
        criteria={"country": "RU", "max_pk": 0},
        reason="test",
        matched=40,
        affected=15,
        created_by=moderator,
    )
    client.force_login(moderator)
    page = client.get(reverse("moderation:invalidation", args=[invalidation.pk])).content.decode()
    assert 'max="40" value="15"' in page
    assert "15 of 40 signatures rejected so far" in page
    assert "data-refresh-seconds" in page
    assert "js/moderation.js" in page
    assert "<script>" not in page and "style=" not in page

    Invalidation.objects.filter(pk=invalidation.pk).update(state=Invalidation.State.DONE, affected=40)
    page = client.get(reverse("moderation:invalidation", args=[invalidation.pk])).content.decode()
    assert "data-refresh-seconds" not in page
    assert "Reverse this invalidation" in page


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        ({"email_domain": "mailinator.com"}, {"domain"}),
        ({"name_shape": "Aa Aa"}, {"name1", "other"}),
        ({"name_shape": "A A 99"}, {"name2"}),
        ({"country": "RU"}, {"country"}),
        ({"ip": "203.0.113.44"}, {"ip"}),
        ({"ip": "203.0.113.0/24"}, {"ip", "subnet"}),
        ({"ip": "203.0.112.0/23"}, {"ip", "subnet", "wider"}),
        ({"ip": "10.0.0.0/8", "country": "RU"}, set()),
        ({"name_shape": "Aa Aa", "ip": "198.51.100.0/24"}, {"other"}),
    ],
)
def test_criteria_combine_and_match_only_their_signatures(petition, criteria, expected):
    named = {
        "domain": SignatureFactory(petition=petition, email_domain="mailinator.com", name="mailinator"),
        "name1": SignatureFactory(petition=petition, name="John Smith"),
        "name2": SignatureFactory(petition=petition, name="JOHN SMITH 42"),
        "country": SignatureFactory(petition=petition, country="RU", name="Ivan"),
        "ip": SignatureFactory(petition=petition, ip_address="203.0.113.44", name="A"),
        "subnet": SignatureFactory(petition=petition, ip_address="203.0.113.200", name="B"),
        "wider": SignatureFactory(petition=petition, ip_address="203.0.112.1", name="C"),
        "other": SignatureFactory(petition=petition, ip_address="198.51.100.1", name="Jon Smyth"),
    }
    SignatureFactory(petition=PetitionFactory(), email_domain="mailinator.com", name="John Smith", country="RU")

    preview = invalidations.invalidation_preview(petition=petition, criteria=invalidations.criteria_from(**criteria))

    by_pk = {s.pk: key for key, s in named.items()}
    matched = set(
        Signature.objects.filter(petition=petition)
        .filter(lookups.criteria_query(preview["criteria"]))
        .values_list("pk", flat=True)
    )
    assert {by_pk[pk] for pk in matched} == expected
    assert preview["matched"] == len(expected)


def test_time_window_selects_signatures_signed_within_it(petition):
    now = timezone.now()
    inside = SignatureFactory(petition=petition)
    before = SignatureFactory(petition=petition)
    Signature.objects.filter(pk=inside.pk).update(signed_at=now - timedelta(minutes=30))
    Signature.objects.filter(pk=before.pk).update(signed_at=now - timedelta(hours=3))

    criteria = invalidations.criteria_from(signed_from=now - timedelta(hours=1), signed_to=now)
    preview = invalidations.invalidation_preview(petition=petition, criteria=criteria)

    assert preview["matched"] == 1
    assert [s.pk for s in preview["sample"]] == [inside.pk]


def test_an_invalidation_without_criteria_is_refused(petition, moderator):
    with pytest.raises(ValueError):
        invalidations.invalidation_create(
            actor=moderator, petition=petition, criteria={"max_pk": 10}, reason="all", matched=0
        )


def test_starting_finishing_and_reversing_are_all_in_the_audit_log(
    petition, moderator, administrator, mixed, django_capture_on_commit_callbacks
):
    invalidation = invalidate(
        petition,
        moderator,
        invalidations.criteria_from(ip="198.51.100.0/24"),
        django_capture_on_commit_callbacks,
        reason="botnet",
    )
    with django_capture_on_commit_callbacks(execute=True):
        invalidations.invalidation_reverse(actor=administrator, invalidation_id=invalidation.pk)

    entries = list(AuditEntry.objects.order_by("pk").values_list("actor_label", "action", "count"))
    assert entries == [
        ("moderator", "invalidation_create", 9),
        ("moderator", "invalidation_done", 9),
        ("administrator", "invalidation_reverse", 9),
        ("administrator", "invalidation_reversed", 9),
    ]
    created = AuditEntry.objects.get(action="invalidation_create")
    assert created.details["reason"] == "botnet"
    assert created.details["criteria"] == ["ip"]  # the criteria's names; their values stay on the invalidation
    assert "198.51.100" not in str(created.details)


@pytest.mark.services
def test_cidr_and_ipv6_ranges_use_postgresql_inet(postgres, petition):
    inside = SignatureFactory(petition=petition, ip_address="2001:db8:1::5")
    SignatureFactory(petition=petition, ip_address="2001:db8:2::5")
    v4 = SignatureFactory(petition=petition, ip_address="203.0.113.77")
    SignatureFactory(petition=petition, ip_address="203.0.113.200")

    def matched(value):
        return set(Signature.objects.filter(lookups.ip_query(value)).values_list("pk", flat=True))

    assert matched("2001:db8:1::/48") == {inside.pk}
    assert matched("203.0.113.64/26") == {v4.pk}
    plan = Signature.objects.filter(lookups.ip_query("203.0.113.64/26")).explain()
    assert "<<=" in plan


def test_a_broker_outage_delays_an_invalidation_but_the_sweeper_finishes_it(
    petition, moderator, monkeypatch, django_capture_on_commit_callbacks
):
    from campaign.moderation import tasks as moderation_tasks

    SignatureFactory.create_batch(3, petition=petition, country="RU")
    preview = invalidations.invalidation_preview(petition=petition, criteria=invalidations.criteria_from(country="RU"))

    def broker_down(*args, **kwargs):
        raise ConnectionError("redis is down")

    with monkeypatch.context() as patch:
        patch.setattr(moderation_tasks.apply_invalidation, "apply_async", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            invalidation = invalidations.invalidation_create(
                actor=moderator,
                petition=petition,
                criteria=preview["criteria"],
                reason="spam",
                matched=preview["matched"],
            )
    invalidation.refresh_from_db()
    assert (invalidation.state, invalidation.affected) == (Invalidation.State.RUNNING, 0)

    # Not yet quiet for long: the sweeper leaves it alone (its task may just be queued).
    assert moderation_tasks.resume_invalidations() == 0
    Invalidation.objects.filter(pk=invalidation.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert moderation_tasks.resume_invalidations() == 1

    invalidation.refresh_from_db()
    assert (invalidation.state, invalidation.affected) == (Invalidation.State.DONE, 3)


def test_a_moderator_invalidates_a_burst_of_generated_names_by_their_shape(
    client, petition, moderator, django_capture_on_commit_callbacks
):
    bots = [SignatureFactory(petition=petition, name=f"user{n:05d}", confirmed=True) for n in range(5)]
    people = [SignatureFactory(petition=petition, name=name, confirmed=True) for name in ("Aigerim Bekova", "user")]
    client.force_login(moderator)
    data = {"petition": petition.pk, "name_shape": "bot12345", "country": "", "reason": "generated names"}
    preview = client.post(reverse("moderation:invalidation_new"), {"step": "preview", **data})
    assert preview.status_code == 200
    assert preview.context["preview"]["matched"] == 5
    assert 'value="a99999"' in preview.content.decode()  # the shape, never a name, goes on
    apply = {**data, "step": "apply", "name_shape": "a99999", "max_pk": preview.context["apply_form"].initial["max_pk"]}
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("moderation:invalidation_new"), {**apply, "matched": 5})
    assert done.status_code == 302
    assert {s.state for s in Signature.objects.filter(pk__in=[b.pk for b in bots])} == {Signature.State.REJECTED}
    assert {s.state for s in Signature.objects.filter(pk__in=[p.pk for p in people])} == {Signature.State.CONFIRMED}
    assert Invalidation.objects.get().criteria["name_shape"] == "a99999"
