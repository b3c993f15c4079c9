"""Each moderation action's effect on signature states, on the public count and on the audit log."""

import pytest
from django.core import mail

from campaign.moderation import actions
from campaign.petitions import services
from campaign.petitions.models import AuditEntry, Petition, Signature
from tests.factories import SignatureFactory

State = Signature.State


def public_count(petition) -> int:
    return Petition.objects.get(pk=petition.pk).signature_count


def rows(*signatures):
    return Signature.objects.filter(pk__in=[s.pk for s in signatures])


def state_of(signature) -> str:
    return Signature.objects.get(pk=signature.pk).state


def test_rejecting_confirmed_signatures_drops_the_public_count_once_counted(petition, moderator, counted):
    spam = SignatureFactory.create_batch(3, petition=petition, confirmed=True)
    SignatureFactory(petition=petition, confirmed=True)
    counted()
    assert public_count(petition) == 4

    changed = actions.signatures_reject(actor=moderator, signatures=rows(*spam), reason="bots")

    assert changed == 3
    assert {state_of(s) for s in spam} == {State.REJECTED}
    assert public_count(petition) == 4  # the service never touches the count itself
    counted()
    assert public_count(petition) == 1


def test_rejecting_twice_changes_nothing_the_second_time(petition, moderator, counted):
    spam = SignatureFactory.create_batch(2, petition=petition, confirmed=True)
    actions.signatures_reject(actor=moderator, signatures=rows(*spam))
    assert actions.signatures_reject(actor=moderator, signatures=rows(*spam)) == 0
    counted()
    assert public_count(petition) == 0


def test_restoring_a_rejection_returns_each_signature_to_where_it_was(petition, moderator, counted):
    confirmed = SignatureFactory(petition=petition, confirmed=True)
    pending = SignatureFactory(petition=petition)
    held = SignatureFactory(petition=petition, state=State.SUSPICIOUS, suspicion=["rate_ip"])
    counted()
    actions.signatures_reject(actor=moderator, signatures=rows(confirmed, pending, held))
    counted()
    assert public_count(petition) == 0

    assert actions.signatures_restore(actor=moderator, signatures=rows(confirmed, pending, held)) == 3

    assert (state_of(confirmed), state_of(pending), state_of(held)) == (
        State.CONFIRMED,
        State.PENDING,
        State.SUSPICIOUS,
    )
    counted()
    assert public_count(petition) == 1


def test_a_signer_who_confirms_while_rejected_counts_once_restored(petition, moderator, counted):
    signature = SignatureFactory(petition=petition)
    actions.signatures_reject(actor=moderator, signatures=rows(signature))
    services.signature_confirm(signature_id=signature.pk)
    counted()
    assert public_count(petition) == 0

    actions.signatures_restore(actor=moderator, signatures=rows(signature))

    assert state_of(signature) == State.CONFIRMED
    counted()
    assert public_count(petition) == 1


def test_clearing_a_confirmed_suspicious_signature_counts_it(petition, moderator, counted):
    held = SignatureFactory(petition=petition, confirmed=True, state=State.SUSPICIOUS, suspicion=["rate_subnet"])
    counted()
    assert public_count(petition) == 0

    assert actions.signatures_clear(actor=moderator, signatures=rows(held)) == 1

    assert state_of(held) == State.CONFIRMED
    counted()
    assert public_count(petition) == 1


def test_a_cleared_unconfirmed_signature_counts_when_its_signer_confirms(petition, moderator, counted):
    held = SignatureFactory(petition=petition, state=State.SUSPICIOUS, suspicion=["honeypot"])
    actions.signatures_clear(actor=moderator, signatures=rows(held))
    assert state_of(held) == State.PENDING
    counted()
    assert public_count(petition) == 0

    services.signature_confirm(signature_id=held.pk)
    counted()
    assert public_count(petition) == 1


def test_clear_leaves_signatures_that_are_not_suspicious_alone(petition, moderator):
    rejected = SignatureFactory(petition=petition, state=State.REJECTED)
    assert actions.signatures_clear(actor=moderator, signatures=rows(rejected)) == 0
    assert state_of(rejected) == State.REJECTED


def test_resend_emails_only_unconfirmed_signers_within_the_cap(
    petition, moderator, settings, django_capture_on_commit_callbacks
):
    pending = SignatureFactory(petition=petition, email="pending@example.org")
    confirmed = SignatureFactory(petition=petition, confirmed=True, email="confirmed@example.org")
    rejected = SignatureFactory(petition=petition, state=State.REJECTED, email="rejected@example.org")
    capped = SignatureFactory(
        petition=petition, email="capped@example.org", email_requests=settings.PETITION_MAX_EMAILS_PER_SIGNATURE
    )

    with django_capture_on_commit_callbacks(execute=True):
        sent = actions.signatures_resend(actor=moderator, signatures=rows(pending, confirmed, rejected, capped))

    assert sent == 1
    assert [message.to for message in mail.outbox] == [["pending@example.org"]]


def test_erasing_keeps_an_anonymous_counted_row(petition, moderator, counted):
    a = SignatureFactory(
        petition=petition, confirmed=True, name="Aigerim Bekova", email="a@example.org", ip_address="203.0.113.5"
    )
    b = SignatureFactory(petition=petition, confirmed=True, email="b@example.org")
    counted()

    assert actions.signatures_erase(actor=moderator, signatures=rows(a, b)) == 2

    erased = Signature.objects.get(pk=a.pk)
    assert (erased.name, erased.email, erased.email_domain, erased.ip_address) == ("", "", "", None)
    assert erased.email_index == f"erased-{a.pk}"
    assert erased.erased_at is not None
    assert erased.state == State.CONFIRMED
    counted()
    assert public_count(petition) == 2
    # The erased person's address never reaches the audit log.
    assert "a@example.org" not in str(AuditEntry.objects.get().details)


ACTIONS = [
    ("signatures_reject", {"state": State.CONFIRMED, "confirmed": True}),
    ("signatures_clear", {"state": State.SUSPICIOUS, "suspicion": ["rate_ip"]}),
    ("signatures_restore", {"state": State.REJECTED}),
    ("signatures_resend", {"state": State.PENDING}),
    ("signatures_erase", {"state": State.PENDING}),
]


@pytest.mark.parametrize(("service", "row"), ACTIONS, ids=[name for name, _ in ACTIONS])
def test_every_action_leaves_an_audit_entry_with_who_what_and_how_many(petition, moderator, service, row):
    chosen = SignatureFactory.create_batch(2, petition=petition, **row)
    filters = {"changelist": "q=%40example.org", "select_across": True}

    getattr(actions, service)(actor=moderator, signatures=rows(*chosen), filters=filters)

    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.actor_label, entry.action, entry.count, entry.petition) == (
        moderator,
        "moderator",
        service,
        2,
        petition,
    )
    # The filters' names, never their values (the search may be the person's address).
    assert entry.details["filter"] == {"changelist": ["q"], "select_across": True}
    assert sorted(entry.details["ids"]) == sorted(s.pk for s in chosen)
