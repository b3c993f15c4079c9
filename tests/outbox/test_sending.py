"""The sender task and the outbox sweeper, against a real SMTP conversation (aiosmtpd in-process).

The task is called the way a worker runs it once (`send_signature_emails()`): it sends every
email that is due, in batches. A retry is "due later": tests bring it due with `make_due()`
instead of waiting out the backoff.
"""

import asyncio
import email
import email.policy
import logging
import time
from datetime import timedelta

import psycopg
import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from campaign.outbox.tasks import send_signature_emails, sweep_email_outbox
from campaign.petitions.models import Signature
from campaign.petitions.services import email_lookup
from tests.factories import PetitionFactory, SignatureFactory
from tests.integration.stack import free_port

EmailState = Signature.EmailState
# A stalled reply comes this long after the client's timeout (EMAIL_TIMEOUT in `smtp`).
STALL_SECONDS = 1.5


class Inbox:
    """An SMTP server's mailbox that can refuse: `refuse` messages get `reply`, then it accepts."""

    def __init__(self):
        self.pipelining = False  # whether EHLO offers PIPELINING (kept by reset)
        self.reset()

    def reset(self, *, refuse=0, reply="451 4.3.0 Try again later", rcpt_reply=None, mail_reply=None, stall=0):
        self.refuse, self.reply, self.rcpt_reply, self.mail_reply = refuse, reply, rcpt_reply, mail_reply
        self.stall = stall  # this many messages get no reply to DATA until the client gave up
        self.down_until = 0.0  # until this time.monotonic(), every DATA gets `reply` (an outage)
        self.accepted_at = []  # time.monotonic() of each message accepted
        self.refused_at = []  # and of each refused while down
        self.unknown = set()  # addresses RCPT refuses with 550 (no such mailbox)
        self.attempts = 0
        self.received = []  # (envelope recipients, parsed message)
        self.sessions = set()  # SMTP sessions that sent MAIL FROM
        self.pipelined = []  # per MAIL: whether RCPT and DATA came in the same write
        self.after_accepting = None  # called with the number accepted so far, after each

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:  # RFC 2920, as Postfix offers it; aiosmtpd reads pipelined commands in order
            return [*responses[:-1], "250-PIPELINING", responses[-1]]
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.mail_reply:
            reply, self.mail_reply = self.mail_reply, None
            return reply
        self.sessions.add(id(session))
        # Pipelined, RCPT and DATA arrived with MAIL and wait in the server's read buffer.
        self.pipelined.append(b"\r\nDATA\r\n" in bytes(server._reader._buffer).upper())
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        if address in self.unknown:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.attempts += 1
        if self.stall > 0:
            self.stall -= 1
            await asyncio.sleep(STALL_SECONDS)
            return "451 4.3.0 Too late"
        if self.refuse > 0:
            self.refuse -= 1
            return self.reply
        if time.monotonic() < self.down_until:
            self.refused_at.append(time.monotonic())
            return self.reply
        self.accepted_at.append(time.monotonic())
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.received.append((list(envelope.rcpt_tos), parsed))
        if self.after_accepting is not None:
            self.after_accepting(len(self.received))
        return "250 Message accepted for delivery"


def start_server(**smtp_parameters) -> tuple[Controller, Inbox]:
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **smtp_parameters)
    controller.start()
    return controller, inbox


@pytest.fixture(scope="module")
def smtp_server():
    controller, inbox = start_server()
    yield controller, inbox
    controller.stop()


@pytest.fixture(params=["pipelining", "one command at a time"])
def smtp(request, db, smtp_server, settings):
    """Emails go over SMTP to the in-process server; returns its inbox, emptied. Each test runs
    against a server that offers PIPELINING and one that does not."""
    from campaign.outbox import sending

    controller, inbox = smtp_server
    inbox.reset()
    inbox.pipelining = request.param == "pipelining"
    sending._drop_connection()  # a worker's kept-open connection knows the EHLO of its server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 1
    return inbox


def outbox_row(**fields) -> Signature:
    """A signature that still owes its signer the confirmation email."""
    return SignatureFactory(**{"email_state": EmailState.PENDING, "email_due_at": timezone.now(), **fields})


def make_due() -> None:
    """The backoff has passed: postponed emails are due now, and the senders' pause after a
    refusal is over as if the provider had taken mail since (tests/outbox/test_pace.py waits
    pauses out for real)."""
    from campaign.outbox import pace

    Signature.objects.filter(email_state=EmailState.PENDING).update(email_due_at=timezone.now())
    cache.delete_many(pace._keys())


def sent(result: dict) -> int:
    return result["sent"]


# --- Idempotency and batches ---------------------------------------------------------------------


def test_running_the_sender_twice_sends_one_email(db):
    signature = outbox_row()
    assert sent(send_signature_emails()) == 1
    assert sent(send_signature_emails()) == 0
    assert len(mail.outbox) == 1
    signature.refresh_from_db()
    assert signature.email_state == EmailState.SENT and signature.email_sent_at is not None


class OtherSender:
    """Another worker's sender, on its own database connection, in the middle of a batch: it
    holds the rows it claimed until it commits, or until its connection dies."""

    def __init__(self, connection):
        settings_dict = connection.settings_dict
        self.db = psycopg.connect(
            **{
                k: v
                for k, v in {
                    "dbname": settings_dict["NAME"],
                    "user": settings_dict["USER"],
                    "password": settings_dict["PASSWORD"],
                    "host": settings_dict["HOST"] or "127.0.0.1",
                    "port": settings_dict["PORT"] or 5432,
                }.items()
                if v
            }
        )

    def claim_everything_due(self) -> list[int]:
        return [
            row[0]
            for row in self.db.execute(
                "SELECT id FROM petitions_signature WHERE email_state = 'pending' AND email_due_at <= now() FOR UPDATE SKIP LOCKED"
            ).fetchall()
        ]

    def die(self) -> None:
        self.db.close()  # no commit: what it claimed was never sent, as far as the database knows


def test_a_row_another_worker_is_sending_is_left_to_it_until_that_worker_dies(transactional_db, postgres, settings):
    busy = outbox_row(email="busy@example.org")
    other = OtherSender(postgres)
    try:
        assert other.claim_everything_due() == [busy.pk]
        outbox_row(email="free@example.org")

        # Not waited for, not sent twice: this sender takes what nobody holds.
        assert sent(send_signature_emails()) == 1
        assert [message.to for message in mail.outbox] == [["free@example.org"]]
        assert Signature.objects.get(pk=busy.pk).email_state == EmailState.PENDING

        # The other worker is killed in mid-batch: its claim dies with its connection, and the
        # sweeper hands the email on once it is overdue.
        other.die()
        Signature.objects.filter(pk=busy.pk).update(
            email_due_at=timezone.now() - timedelta(seconds=settings.PETITION_OUTBOX_GRACE_SECONDS + 1)
        )
        assert sweep_email_outbox() == 1
        assert [message.to for message in mail.outbox] == [["free@example.org"], ["busy@example.org"]]
        assert set(Signature.objects.values_list("email_state", flat=True)) == {EmailState.SENT}
    finally:
        other.die()


@pytest.mark.django_db(transaction=True)
def test_a_sender_whose_database_connection_dies_in_mid_batch_sends_nothing_twice(smtp, postgres):
    # PostgreSQL restarted, or the backend killed: the batch's transaction rolls back after the
    # server accepted some of its emails. The next run records them as sent without sending.
    from campaign.outbox.sending import BATCH_SIZE

    petition = PetitionFactory()
    addresses = [f"restart.{n}@example.org" for n in range(BATCH_SIZE + 10)]
    for address in addresses:
        outbox_row(petition=petition, email=address)
    with postgres.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [[sender_pid]] = cursor.fetchall()
    killer = OtherSender(postgres)

    def kill_the_sender_after_the_third(accepted):
        if accepted == 3:
            killer.db.execute("SELECT pg_terminate_backend(%s)", [sender_pid])

    smtp.after_accepting = kill_the_sender_after_the_third
    try:
        with pytest.raises(DatabaseError):
            send_signature_emails()
    finally:
        smtp.after_accepting = None
        killer.die()
    postgres.close()  # the dead connection; the next query opens a fresh one, as a worker's next task does
    assert Signature.objects.filter(email_state=EmailState.PENDING).count() == len(addresses)  # rolled back
    went_out = len(smtp.received)
    assert went_out >= 3

    assert sent(send_signature_emails()) == len(addresses)
    received = sorted(recipients[0] for recipients, _message in smtp.received)
    assert received == sorted(addresses), f"{len(received) - len(set(received))} sent twice"
    assert set(Signature.objects.values_list("email_state", flat=True)) == {EmailState.SENT}


def test_an_email_another_sender_is_sending_is_left_to_it_and_recorded_once_it_went_out(smtp):
    from campaign.outbox.ledger import Ledger

    busy = outbox_row(email="busy@example.org")
    outbox_row(email="free@example.org")
    other = Ledger()
    assert other.reserve(busy) is None  # the other sender's, mid-send (its database row lock lost)

    assert sent(send_signature_emails()) == 1
    assert [recipients for recipients, _message in smtp.received] == [["free@example.org"]]
    assert Signature.objects.get(pk=busy.pk).email_state == EmailState.PENDING

    other.sent(busy)  # the provider accepted it; the other sender's batch was rolled back
    other.settle()
    make_due()
    assert sent(send_signature_emails()) == 1  # recorded, not sent again
    assert [recipients for recipients, _message in smtp.received] == [["free@example.org"]]
    assert Signature.objects.get(pk=busy.pk).email_state == EmailState.SENT


@pytest.fixture
def no_long_waits(postgres):
    """A statement that waits for a row lock fails after 3 s instead of hanging the test."""
    with postgres.cursor() as cursor:
        cursor.execute("SET lock_timeout = '3s'")
    yield
    with postgres.cursor() as cursor:
        cursor.execute("RESET lock_timeout")


def test_a_resend_while_the_email_is_being_sent_does_not_wait_for_the_sender(
    transactional_db, postgres, no_long_waits, client, django_capture_on_commit_callbacks
):
    signature = outbox_row(email="aigerim@example.org")
    other = OtherSender(postgres)
    try:
        assert other.claim_everything_due() == [signature.pk]
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("petitions:resend", kwargs={"slug": signature.petition.slug}), {"email": "aigerim@example.org"}
            )
        assert response.status_code == 200 and time.monotonic() - started < 2
        # The email on its way is the one asked for: no second request is counted.
        assert Signature.objects.get().email_requests == 1
    finally:
        other.die()
    assert sent(send_signature_emails()) == 1


def test_a_hold_while_the_email_is_being_sent_is_left_to_a_worker(
    transactional_db, postgres, no_long_waits, monkeypatch
):
    from campaign.petitions import services, tasks

    signature = outbox_row(email="flood@example.org")
    queued = []
    monkeypatch.setattr(
        tasks.hold_signature, "apply_async", lambda args=(), kwargs=None, **options: queued.append(tuple(args))
    )  # the broker, not the task
    other = OtherSender(postgres)
    try:
        assert other.claim_everything_due() == [signature.pk]
        started = time.monotonic()
        services.signature_hold(signature_id=signature.pk, reasons=["rate_ip"], wait=False)
        assert time.monotonic() - started < 2
        assert queued == [(signature.pk, ["rate_ip"])]
        assert Signature.objects.get().state == Signature.State.PENDING
    finally:
        other.die()
    tasks.hold_signature(*queued[0])  # what the worker then runs
    held = Signature.objects.get()
    assert held.state == Signature.State.SUSPICIOUS and held.suspicion == ["rate_ip"]


def test_nothing_is_sent_to_a_rejected_signature(db):
    outbox_row(state=Signature.State.REJECTED)
    assert send_signature_emails()["none"] == 1
    assert mail.outbox == []
    assert Signature.objects.get().email_state == EmailState.NONE


def test_an_email_waiting_out_its_backoff_is_not_sent_early(db):
    outbox_row(email_due_at=timezone.now() + timedelta(seconds=30))
    assert sent(send_signature_emails()) == 0
    assert mail.outbox == []


def test_one_run_sends_a_backlog_of_several_batches_over_one_connection_each_email_once(smtp):
    petition = PetitionFactory()
    addresses = [f"supporter.{n}@example.org" for n in range(250)]
    Signature.objects.bulk_create(
        SignatureFactory.build(
            petition=petition,
            email=address,
            email_index=email_lookup(address),
            email_state=EmailState.PENDING,
            email_due_at=timezone.now(),
        )
        for address in addresses
    )

    assert sent(send_signature_emails()) == 250

    assert sorted(recipients[0] for recipients, _message in smtp.received) == sorted(addresses)
    assert len(smtp.sessions) == 1
    assert set(Signature.objects.values_list("email_state", flat=True)) == {EmailState.SENT}


def test_a_batch_costs_the_same_queries_for_three_emails_as_for_eighteen_in_every_language(smtp):
    """A query per email (a column the claim left out, read per row) would halve the sender's rate."""
    petition = PetitionFactory(title_en="Free them", title_ru="Освободите их", title_kk="Оларды босатыңыз")

    def queries_to_send(count: int, tag: str) -> int:
        for n in range(count):
            outbox_row(petition=petition, email=f"{tag}.{n}@example.org", language=("en", "ru", "kk")[n % 3])
        with CaptureQueriesContext(connection) as queries:
            assert sent(send_signature_emails()) == count
        return len(queries)

    assert queries_to_send(3, "few") == queries_to_send(18, "more")


def test_to_a_server_that_offers_pipelining_mail_rcpt_and_data_go_in_one_write(smtp):
    for n in range(3):
        outbox_row(email=f"pipelined.{n}@example.org")

    assert sent(send_signature_emails()) == 3

    assert smtp.pipelined == [smtp.pipelining] * 3
    assert len(smtp.received) == 3


# --- What the email is --------------------------------------------------------------------------------


def test_the_email_arrives_with_text_and_html_and_one_click_unsubscribe(smtp, settings):
    signature = outbox_row(name="Aigerim Bekova", email="aigerim@example.org")

    assert sent(send_signature_emails()) == 1

    [(recipients, message)] = smtp.received
    assert recipients == ["aigerim@example.org"]
    assert message["To"] == "aigerim@example.org"
    assert message["Subject"] == f"Please confirm your signature: {signature.petition.title}"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Hello Aigerim," in text and "Hello Aigerim," in html
    assert "Bekova" not in text and "Bekova" not in html  # greeted by first name only
    confirm_link = settings.SITE_URL + reverse("petitions:confirm", kwargs={"token": "T"})[:-2]
    assert confirm_link in text and f'href="{confirm_link}' in html
    unsubscribe = str(message["List-Unsubscribe"]).strip()
    assert unsubscribe.startswith(
        f"<{settings.SITE_URL}" + reverse("petitions:unsubscribe", kwargs={"token": "T"})[:-2]
    ) and unsubscribe.endswith("/>")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.strip("<>") in text and unsubscribe.strip("<>") in html
    assert message["Content-Language"] == "en" and '<html lang="en">' in html
    assert message["Message-ID"] and message["Date"]


def test_each_email_has_its_own_links_and_message_id(smtp):
    first, second = outbox_row(name="Aigerim Bekova"), outbox_row(name="Arman Zhaksylykov")

    assert sent(send_signature_emails()) == 2

    by_recipient = {recipients[0]: message for recipients, message in smtp.received}
    one, two = by_recipient[first.email], by_recipient[second.email]
    assert one["Message-ID"] != two["Message-ID"]
    assert one["List-Unsubscribe"] != two["List-Unsubscribe"]
    assert "Hello Arman," in two.get_body(preferencelist=("plain",)).get_content()
    assert "Aigerim" not in two.as_string()


def test_a_name_with_line_breaks_never_reaches_a_header(smtp):
    petition = PetitionFactory(title="Free them\r\nBcc: title@example.org")
    outbox_row(petition=petition, name="Eve\r\nBcc: victim@example.org\r\nX-Injected: yes", email="eve@example.org")

    assert sent(send_signature_emails()) == 1

    [(recipients, message)] = smtp.received
    assert recipients == ["eve@example.org"]
    assert message["To"] == "eve@example.org"
    assert message["Bcc"] is None and message["X-Injected"] is None
    assert "\n" not in message["Subject"] and "\r" not in message["Subject"]
    raw_headers = message.as_string().split("\n\n", 1)[0]
    assert "victim@example.org" not in raw_headers


# --- Failures: transient, permanent, lost connections ------------------------------------------------


def test_a_refusal_to_try_later_puts_the_email_back_with_a_backoff_and_a_later_run_sends_it(smtp):
    signature = outbox_row()
    smtp.reset(refuse=1)

    before = timezone.now()
    assert send_signature_emails()["postponed"] == 1

    signature.refresh_from_db()
    assert signature.email_state == EmailState.PENDING
    assert signature.email_due_at > before + timedelta(seconds=4)  # at least the first backoff step
    assert signature.email_attempts == 1 and smtp.received == []

    make_due()
    assert sent(send_signature_emails()) == 1
    signature.refresh_from_db()
    assert signature.email_state == EmailState.SENT and signature.email_attempts == 0
    assert len(smtp.received) == 1 and smtp.attempts == 2


def test_retries_stop_after_the_configured_number_of_attempts(smtp, settings):
    settings.PETITION_EMAIL_MAX_RETRIES = 3
    outbox_row()
    smtp.reset(refuse=100)

    results = []
    for _ in range(5):
        results.append(send_signature_emails())
        make_due()

    assert [r["postponed"] for r in results] == [1, 1, 0, 0, 0] and results[2]["failed"] == 1
    assert smtp.attempts == 3
    assert Signature.objects.get().email_state == EmailState.FAILED


def test_a_permanent_refusal_is_marked_failed_without_retrying(smtp):
    signature = outbox_row()
    smtp.reset(rcpt_reply="550 5.1.1 No such mailbox")

    assert send_signature_emails()["failed"] == 1

    signature.refresh_from_db()
    assert signature.email_state == EmailState.FAILED and signature.email_attempts == 1
    assert smtp.received == []


@pytest.mark.parametrize(
    "refusal",
    [
        pytest.param({"mail_reply": "550 5.7.1 Sender address rejected"}, id="MAIL FROM"),
        pytest.param({"refuse": 1, "reply": "554 5.7.1 Message rejected as spam"}, id="DATA"),
    ],
)
def test_a_5xx_reply_to_mail_from_or_data_is_final_and_never_retried(smtp, refusal):
    signature = outbox_row()
    smtp.reset(**refusal)  # once only: a retry would be accepted

    result = send_signature_emails()

    assert result["failed"] == 1 and result["postponed"] == 0
    signature.refresh_from_db()
    assert signature.email_state == EmailState.FAILED and signature.email_attempts == 1
    make_due()  # an email put back for a retry would be due now
    assert sent(send_signature_emails()) == 0
    assert smtp.received == []


@pytest.mark.parametrize(
    ("refusal", "outcome"),
    [
        pytest.param({"rcpt_reply": "550 5.1.1 <Saule.Probe@Example.org>: no such mailbox"}, "failed", id="permanent"),
        pytest.param({"refuse": 1, "reply": "451 4.3.0 Try again later"}, "postponed", id="transient"),
    ],
)
def test_a_failed_send_logs_no_address_name_or_ip_address(smtp, refusal, outcome, caplog):
    caplog.set_level(logging.DEBUG)
    outbox_row(name="Saule Abdrakhmanova", email="Saule.Probe@Example.org", ip_address="203.0.113.99")
    smtp.reset(**refusal)

    assert send_signature_emails()[outcome] == 1
    ours = [r for r in caplog.records if r.name.split(".")[0] == "campaign"]
    assert any(r.levelno >= logging.WARNING for r in ours), "the failure was logged"
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in ours).lower()
    for secret in ("Saule.Probe@Example.org", "Saule.Probe", "Saule", "Abdrakhmanova", "203.0.113.99"):
        assert secret.lower() not in logged, f"{secret!r} appears in the logs"


def test_a_try_later_pauses_the_rest_of_the_batch_untried_and_each_goes_out_once_after(smtp):
    outbox_row(email="first@example.org")
    smtp.reset(refuse=1)  # the first message's DATA gets a 451: the provider is throttling us
    outbox_row(email="second@example.org")
    outbox_row(email="third@example.org")

    result = send_signature_emails()

    assert result["sent"] == 0 and result["postponed"] == 3 and smtp.attempts == 1
    assert list(Signature.objects.order_by("pk").values_list("email_attempts", flat=True)) == [1, 0, 0]
    make_due()
    assert sent(send_signature_emails()) == 3
    assert sorted(to for (to,), _message in smtp.received) == [
        "first@example.org",
        "second@example.org",
        "third@example.org",
    ]


def test_a_message_the_server_stalls_on_waits_its_backoff_and_the_rest_go_out_on_a_fresh_connection(smtp):
    stalled = outbox_row(email="stalled@example.org")
    outbox_row(email="second@example.org")
    outbox_row(email="third@example.org")
    smtp.reset(stall=1)

    result = send_signature_emails()

    assert result["sent"] == 2 and result["postponed"] == 1
    assert sorted(to for to, _message in smtp.received) == [["second@example.org"], ["third@example.org"]]
    assert len(smtp.sessions) == 2  # the stalled session was given up, the rest went on a new one
    stalled.refresh_from_db()
    assert stalled.email_state == EmailState.PENDING and stalled.email_due_at > timezone.now()
    make_due()
    assert sent(send_signature_emails()) == 1
    assert len(smtp.received) == 3


def test_a_server_that_stalls_on_every_message_is_not_asked_about_the_rest_of_the_batch(smtp):
    rows = [outbox_row(email=f"waiting.{n}@example.org") for n in range(6)]
    smtp.reset(stall=len(rows))

    result = send_signature_emails()

    # Two timeouts, not six: the other four go back untried, their attempt not counted.
    assert result["postponed"] == 6 and result["sent"] == 0
    assert smtp.attempts == 2, f"the server was asked about {smtp.attempts} messages"
    attempts = dict(Signature.objects.values_list("email", "email_attempts"))
    assert [attempts[row.email] for row in rows] == [1, 1, 0, 0, 0, 0]
    assert all(due > timezone.now() for due in Signature.objects.values_list("email_due_at", flat=True))

    smtp.reset()
    make_due()
    assert sent(send_signature_emails()) == 6


def test_addresses_the_server_does_not_know_fail_alone_and_the_session_goes_on(smtp):
    smtp.unknown = {"gone.1@example.org", "gone.2@example.org", "gone.3@example.org"}
    for address in ["gone.1@example.org", "gone.2@example.org", "gone.3@example.org", "here@example.org"]:
        outbox_row(email=address)

    result = send_signature_emails()

    assert result["failed"] == 3 and result["sent"] == 1 and result["postponed"] == 0
    assert [to for to, _message in smtp.received] == [["here@example.org"]]
    assert len(smtp.sessions) == 1  # a 550 is about one address: no reconnect, no giving up on the batch
    assert Signature.objects.filter(email_state=EmailState.FAILED).count() == 3


def test_a_batch_past_its_time_goes_back_untried_and_is_sent_by_the_next_run(smtp):
    from campaign.outbox import sending, storage

    for n in range(3):
        outbox_row(email=f"late.{n}@example.org")
    with transaction.atomic():
        batch = storage.signature_emails_claim(limit=10)
        outcome = sending._send_batch(batch, deadline=time.monotonic() - 1)

    assert outcome.postponed == 3 and smtp.received == []
    rows = Signature.objects.all()
    assert {(r.email_state, r.email_attempts) for r in rows} == {(EmailState.PENDING, 0)}  # not counted as a try
    assert all(r.email_due_at > timezone.now() for r in rows)
    make_due()
    assert sent(send_signature_emails()) == 3


def test_a_sender_out_of_time_keeps_what_it_sent_and_puts_the_rest_back(smtp, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    from campaign.outbox import sending

    addresses = [f"timed.{n}@example.org" for n in range(5)]
    for n, address in enumerate(addresses):
        outbox_row(email=address, email_due_at=timezone.now() - timedelta(seconds=10 - n))
    deliver, tried = sending._deliver, []

    def deliver_until_the_time_limit(signature):
        tried.append(signature.email)
        if len(tried) == 3:
            raise SoftTimeLimitExceeded()  # what Celery's timer raises in the worker, mid-message
        return deliver(signature)

    monkeypatch.setattr(sending, "_deliver", deliver_until_the_time_limit)
    with pytest.raises(SoftTimeLimitExceeded):
        send_signature_emails()

    assert [to for to, _message in smtp.received] == [[addresses[0]], [addresses[1]]]
    rows = {row.email: row for row in Signature.objects.all()}
    # What went out is recorded as sent (the batch was committed before the task gave up) ...
    assert [rows[a].email_state for a in addresses[:2]] == [EmailState.SENT] * 2
    # ... and the rest waits a few seconds, its attempt not counted.
    assert {(rows[a].email_state, rows[a].email_attempts) for a in addresses[2:]} == {(EmailState.PENDING, 0)}
    assert all(rows[a].email_due_at > timezone.now() for a in addresses[2:])


def test_a_sender_out_of_time_while_connecting_fails_nothing(smtp, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded
    from django.core.mail.backends.smtp import EmailBackend

    for n in range(3):
        outbox_row(email=f"connecting.{n}@example.org")

    def open_until_the_time_limit(self):
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(EmailBackend, "open", open_until_the_time_limit)
    with pytest.raises(SoftTimeLimitExceeded):
        send_signature_emails()

    assert {(r.email_state, r.email_attempts) for r in Signature.objects.all()} == {(EmailState.PENDING, 0)}
    monkeypatch.undo()
    make_due()
    assert sent(send_signature_emails()) == 3


def test_a_server_that_is_down_postpones_the_whole_batch_and_it_is_sent_when_it_is_back(smtp, settings, smtp_server):
    controller, _inbox = smtp_server
    settings.EMAIL_PORT = free_port()  # nobody listens there (never a port already handed out)
    for n in range(3):
        outbox_row(email=f"waiting.{n}@example.org")

    result = send_signature_emails()

    assert result["postponed"] == 3 and result["sent"] == result["failed"] == 0
    assert set(Signature.objects.values_list("email_state", flat=True)) == {EmailState.PENDING}
    assert all(due > timezone.now() for due in Signature.objects.values_list("email_due_at", flat=True))

    settings.EMAIL_PORT = controller.port
    make_due()
    assert sent(send_signature_emails()) == 3
    assert len(smtp.received) == 3


def test_a_resend_after_a_failure_gets_a_fresh_set_of_tries(client, smtp, settings, django_capture_on_commit_callbacks):
    settings.PETITION_EMAIL_MAX_RETRIES = 2
    signature = outbox_row(email="aigerim@example.org")
    smtp.reset(refuse=2)
    send_signature_emails()
    make_due()
    send_signature_emails()
    assert Signature.objects.get().email_state == EmailState.FAILED

    make_due()  # later: the senders' pause after that refusal is over
    smtp.reset(refuse=1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("petitions:resend", kwargs={"slug": signature.petition.slug}), {"email": "aigerim@example.org"}
        )
    assert Signature.objects.get().email_state == EmailState.PENDING  # refused once more: postponed, not failed
    make_due()
    send_signature_emails()

    assert len(smtp.received) == 1
    assert Signature.objects.get().email_state == EmailState.SENT


def test_a_connection_the_server_dropped_while_idle_is_reopened_at_once(db, settings):
    controller, inbox = start_server(timeout=0.3)  # this server hangs up on idle clients quickly
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", controller.port, False
        outbox_row()
        assert sent(send_signature_emails()) == 1

        time.sleep(0.6)  # the worker's kept-open connection is closed by the server meanwhile
        outbox_row()
        assert sent(send_signature_emails()) == 1

        inbox.mail_reply = "421 4.4.2 Timeout exceeded, closing"  # what Postfix says when it hangs up
        outbox_row()
        assert sent(send_signature_emails()) == 1
    finally:
        controller.stop()
    assert len(inbox.received) == 3


# --- The outbox sweeper ------------------------------------------------------------------------------


def test_the_sweeper_sends_what_a_broker_outage_left_behind(
    client, petition, settings, django_capture_on_commit_callbacks
):
    # The request commits, but its "wake the sender" message never reaches the broker.
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            reverse("petitions:sign", kwargs={"slug": petition.slug}),
            {"name": "Aigerim Bekova", "email": "aigerim@example.org", "country": "KZ"},
        )
    assert response.status_code == 302 and mail.outbox == []
    assert sweep_email_outbox() == 0  # still within the grace period: the queue may yet deliver it
    assert mail.outbox == []

    Signature.objects.update(
        email_due_at=timezone.now() - timedelta(seconds=settings.PETITION_OUTBOX_GRACE_SECONDS + 1)
    )
    assert sweep_email_outbox() == 1

    assert [message.to for message in mail.outbox] == [["aigerim@example.org"]]
    assert Signature.objects.get().email_state == EmailState.SENT
    assert sweep_email_outbox() == 0
