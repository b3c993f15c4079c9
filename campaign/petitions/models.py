"""Petitions, their signatures, and the staff's trail of what was done to them."""

import secrets
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from .fields import EncryptedTextField


def goal_steps_parse(value: str) -> list[int]:
    """ "100, 1000; 10000" -> [100, 1000, 10000]: whole numbers in any order, apart by commas,
    semicolons or spaces; a ValidationError for anything else ("1,000" included, which is two)."""
    steps = []
    for digits in value.replace(",", " ").replace(";", " ").split():
        if not digits.isascii() or not digits.isdigit() or int(digits) <= 0:
            raise ValidationError(_("Write the steps as whole numbers above zero, like: 100, 1000, 10000."))
        steps.append(int(digits))
    return sorted(set(steps))


def goal_next(goals: list[int], count: int) -> int:
    return next((goal for goal in goals if goal > count), goals[-1])


class Petition(models.Model):
    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(
        _("petition text"), help_text=_("What supporters sign. Paragraphs separated by a blank line.")
    )
    goal = models.PositiveIntegerField(_("goal"), default=10000)
    # Stepped goals: a new petition measured against 10,000 looks empty for weeks.
    goal_steps = models.CharField(
        _("goal steps"),
        max_length=200,
        blank=True,
        default="100, 1000",
        validators=[goal_steps_parse],
        help_text=_(
            "Smaller goals on the way to the goal, e.g. “100, 1000”. The page measures the count "
            "against the first step not yet reached, then the goal. Empty: the goal alone."
        ),
    )
    # A petition closes at closes_at (beat's close-due-petitions records closed_at), or when an
    # organizer closes it early; it is closed from that instant whether or not beat has run.
    closes_at = models.DateTimeField(
        _("closes at"),
        null=True,
        blank=True,
        help_text=_("Leave empty to keep the petition open until closed by hand."),
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True, editable=False)
    is_featured = models.BooleanField(_("shown on the home page"), default=False)
    # The public count: maintained in batches by a periodic task, never counted on a page view.
    signature_count = models.PositiveIntegerField(_("counted signatures"), default=0, editable=False)
    count_updated_at = models.DateTimeField(_("count updated"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-is_featured", "-created_at"]
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        permissions = [("close_petition", _("Can close and reopen petitions"))]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("petitions:sign", kwargs={"slug": self.slug})

    def closed_as_of(self, now: datetime) -> datetime | None:
        """When the petition closed, as of `now`; None while it is open."""
        if self.closed_at is not None:
            return self.closed_at
        if self.closes_at is not None and self.closes_at <= now:
            return self.closes_at
        return None

    @property
    def closed_on(self):
        return self.closed_as_of(timezone.now())

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    @property
    def goals(self) -> list[int]:
        """The steps below the goal, then the goal."""
        steps = goal_steps_parse(self.goal_steps) if self.goal_steps else []
        return [step for step in steps if step < self.goal] + [self.goal]

    @property
    def goal_now(self) -> int:
        """What the count is measured against: the first goal it has not reached yet (or the last)."""
        return goal_next(self.goals, self.signature_count)

    @property
    def progress_percent(self) -> int:
        goal = self.goal_now
        return min(100, round(100 * self.signature_count / goal)) if goal else 100


# What `?source=` may carry: short, printable on a poster, nothing to escape in a URL or HTML.
SOURCE_CODE_PATTERN = r"^[A-Za-z0-9_-]{1,32}$"


class SourceCode(models.Model):
    """A code organizers give a partner or a channel, for links to the petition (`?source=CODE`),
    so the dashboard can tell how many signers each brought. Reported only in aggregate."""

    code = models.CharField(
        _("code"),
        max_length=32,
        unique=True,
        validators=[RegexValidator(SOURCE_CODE_PATTERN, _("Use 1 to 32 letters, digits, “-” or “_”, e.g. partner-a."))],
        help_text=_("Put in links as ?source=CODE. 1 to 32 letters, digits, “-” or “_”."),
    )
    label = models.CharField(_("who or what it is for"), max_length=200, blank=True)
    # An inactive code is ignored on new signatures; those already made keep it in the figures.
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("source code")
        verbose_name_plural = _("source codes")

    def __str__(self):
        return self.code


def public_id_new() -> str:
    return secrets.token_hex(16)


class Signature(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("pending confirmation")
        CONFIRMED = "confirmed", _("confirmed")
        SUSPICIOUS = "suspicious", _("suspicious")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn by the signer")

    class EmailState(models.TextChoices):
        PENDING = "pending", _("to send")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        NONE = "none", _("nothing to send")

    class Suspicion(models.TextChoices):
        RATE_IP = "rate_ip", _("many signatures from one IP address")
        RATE_SUBNET = "rate_subnet", _("many signatures from one network")
        RATE_DOMAIN = "rate_domain", _("many signatures from one email domain")
        HONEYPOT = "honeypot", _("hidden field filled in (a bot)")
        DISPOSABLE = "disposable", _("disposable email address")
        NAME_BURST = "name_burst", _("burst of near-identical names")

    # No index of its own: the indexes below that begin with the petition serve its lookups.
    # Every index is one more entry to write for each signature and each change to it.
    petition = models.ForeignKey(
        Petition, on_delete=models.PROTECT, related_name="signatures", verbose_name=_("petition"), db_index=False
    )
    # What links in emails carry instead of the sequential id, which would tell how many signed.
    public_id = models.CharField(
        _("public identifier"), max_length=32, unique=True, default=public_id_new, editable=False
    )
    # Encrypted at rest (crypto.py): a dump without the keys names nobody. Found only through
    # the blind indexes below, never by their ciphertext.
    name = EncryptedTextField(_("name"), purpose="petitions.signature.name")
    email = EncryptedTextField(_("email"), purpose="petitions.signature.email")
    # The blind index of the trimmed, case-folded address: one signature per person per
    # petition (see services), and the exact search. "erased-<id>" once erased.
    email_index = models.CharField(_("email blind index"), max_length=64, editable=False)
    # Kept in clear: the per-domain rate limit, the domain search and the dashboard need it.
    email_domain = models.CharField(_("email domain"), max_length=254)
    # The blind indexes of the name's words (moderators' search by whole word) and its shape
    # (bulk invalidation of generated names): see crypto.name_words and crypto.name_shape.
    name_words = models.TextField(_("name word index"), blank=True, default="", editable=False)
    name_shape = models.CharField(_("name shape"), max_length=100, blank=True, default="", editable=False)
    country = CountryField(_("country"))
    show_publicly = models.BooleanField(_("first name and country shown publicly"), default=False)
    keep_updated = models.BooleanField(_("agreed to be kept updated"), default=False)
    # Counted, but the name stays off the list handed to the authorities (exports/filters.py).
    leave_name_off = models.BooleanField(_("name left off the delivered list"), default=False)
    language = models.CharField(_("language"), max_length=10, default="en")
    consent_version = models.CharField(_("version of the notice shown"), max_length=40)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.PENDING)
    suspicion = models.JSONField(_("why it is suspicious"), default=list, blank=True)
    # Kept for moderation only: never shown publicly, never exported, erased after 30 days.
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed"), auto_now_add=True, db_index=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed"), null=True, blank=True)
    erased_at = models.DateTimeField(_("personal data erased"), null=True, blank=True)
    # Whether this row is in the petition's stored count (kept true to state by the counter).
    counted = models.BooleanField(_("in the public count"), default=False, editable=False)
    # The outbox: the email this row still owes its signer. On PostgreSQL a sender holds the
    # rows it is sending locked in its transaction (outbox/storage.py, signature_emails_claim); nothing
    # marks them.
    email_state = models.CharField(_("email"), max_length=10, choices=EmailState.choices, default=EmailState.PENDING)
    email_requests = models.PositiveSmallIntegerField(_("emails requested"), default=1)
    email_attempts = models.PositiveSmallIntegerField(_("send attempts"), default=0)
    email_due_at = models.DateTimeField(_("email due"), null=True, blank=True)
    email_sent_at = models.DateTimeField(_("email sent"), null=True, blank=True)
    # Which partner's or channel's link the signer came by (?source=), never the referrer. No
    # index: only the dashboard's and the report's per-petition aggregates read it.
    source = models.ForeignKey(
        SourceCode,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signatures",
        verbose_name=_("came by the link of"),
        db_index=False,
    )
    invalidation = models.ForeignKey(
        "Invalidation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="signatures",
        verbose_name=_("invalidated by"),
    )
    state_before_invalidation = models.CharField(max_length=12, choices=State.choices, blank=True, editable=False)

    class Meta:
        ordering = ["-signed_at"]
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        constraints = [
            models.UniqueConstraint(fields=["petition", "email_index"], name="one_signature_per_email"),
        ]
        indexes = [
            models.Index(fields=["petition", "state"], name="signature_petition_state"),
            # The counter's two questions: what is confirmed but not counted, and the reverse.
            models.Index(
                fields=["petition"],
                name="signature_to_count",
                condition=Q(state="confirmed", counted=False),
            ),
            models.Index(
                fields=["petition"],
                name="signature_to_uncount",
                condition=Q(counted=True) & ~Q(state="confirmed"),
            ),
            # The sender's and the sweeper's question: what is due, oldest first.
            models.Index(fields=["email_due_at"], name="signature_outbox", condition=Q(email_state="pending")),
            models.Index(fields=["ip_address"], name="signature_ip"),
            # Moderators' filter by domain is an exact match: no second, LIKE-shaped index.
            models.Index(fields=["email_domain"], name="signature_email_domain"),
            models.Index(fields=["petition", "show_publicly", "-confirmed_at"], name="signature_recent_public"),
        ]
        permissions = [
            ("moderate_signature", _("Can moderate signatures")),
            ("export_supporters", _("Can export supporters")),
            ("export_all_states", _("Can export rejected and suspicious signatures")),
            ("view_dashboard", _("Can view the campaign dashboard")),
        ]

    def __str__(self):
        return f"#{self.pk} ({self.get_state_display()})"

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else ""


class Invalidation(models.Model):
    """A bulk rejection by filter, recorded so that it can be reversed as a whole."""

    class State(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        REVERSING = "reversing", _("reversing")
        REVERSED = "reversed", _("reversed")

    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, verbose_name=_("petition"))
    criteria = models.JSONField(_("filter"))
    reason = models.CharField(_("reason"), max_length=200)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.RUNNING)
    matched = models.PositiveIntegerField(_("matched when previewed"), default=0)
    affected = models.PositiveIntegerField(_("signatures affected"), default=0)
    # Progress of a reversal, shown against `affected`.
    restored = models.PositiveIntegerField(_("signatures restored"), default=0)
    # Touched by every batch: a running invalidation whose worker went quiet is resumed by a sweeper.
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invalidation")
        verbose_name_plural = _("invalidations")

    def __str__(self):
        return f"#{self.pk} {self.reason}"


class AuditEntry(models.Model):
    """Append-only: written by services, never edited or deleted through the site."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("who")
    )
    actor_label = models.CharField(_("who, as shown"), max_length=150)
    action = models.CharField(_("action"), max_length=60, db_index=True)
    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("petition"))
    count = models.PositiveIntegerField(_("signatures affected"), default=0)
    details = models.JSONField(_("filter or reason"), default=dict, blank=True)
    created_at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")

    def __str__(self):
        # Shown as the entry's title in the admin: its list says what was done, in words.
        return f"#{self.pk}, {self.created_at:%Y-%m-%d %H:%M} UTC, {self.actor_label}"


class ExportJob(models.Model):
    """A large export written to a file by a worker, downloadable by its owner for a day."""

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("ready")
        FAILED = "failed", _("failed")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, verbose_name=_("owner"))
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, verbose_name=_("petition"))
    filters = models.JSONField(_("filters"))
    file_format = models.CharField(_("format"), max_length=10)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    total_rows = models.PositiveIntegerField(_("rows expected"), default=0)
    rows_written = models.PositiveIntegerField(_("rows written"), default=0)
    file_path = models.CharField(_("file"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    def __str__(self):
        return f"export #{self.pk} ({self.get_state_display()})"


class SupporterUpdate(models.Model):
    """News for the supporters of a petition who asked to be kept updated, written per language
    (see translation.py) and sent through the outbox, once per supporter (UpdateDelivery)."""

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        AWAITING_APPROVAL = "awaiting", _("awaiting an administrator's approval")
        SENDING = "sending", _("sending")
        SENT = "sent", _("sent")

    petition = models.ForeignKey(Petition, on_delete=models.PROTECT, related_name="updates", verbose_name=_("petition"))
    subject = models.CharField(_("subject"), max_length=150)
    body = models.TextField(_("text"), help_text=_("Plain text; blank lines separate paragraphs."))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("send requested by"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("approved by"),
    )
    recipients_expected = models.PositiveIntegerField(_("recipients when requested"), default=0, editable=False)
    # Deliveries are queued in batches by signature id: everything up to this id is queued.
    queued_through = models.BigIntegerField(default=0, editable=False)
    queued_all = models.BooleanField(default=False, editable=False)
    started_at = models.DateTimeField(_("sending started"), null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(_("sending finished"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("update to supporters")
        verbose_name_plural = _("updates to supporters")
        permissions = [
            ("send_supporterupdate", _("Can send updates to supporters")),
            ("approve_supporterupdate", _("Can approve a large send of an update")),
        ]

    def __str__(self):
        return self.subject


class UpdateDelivery(models.Model):
    """One update owed to one supporter: the outbox row for update emails. Its uniqueness is
    what makes a send exactly once per recipient, however often queueing runs."""

    class State(models.TextChoices):
        PENDING = "pending", _("to send")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")
        SKIPPED = "skipped", _("no longer wanted")

    update = models.ForeignKey(SupporterUpdate, on_delete=models.CASCADE, related_name="deliveries")
    signature = models.ForeignKey(Signature, on_delete=models.CASCADE, related_name="+", db_index=False)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    due_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("update delivery")
        verbose_name_plural = _("update deliveries")
        constraints = [models.UniqueConstraint(fields=["update", "signature"], name="one_delivery_per_update")]
        indexes = [models.Index(fields=["due_at"], name="update_outbox", condition=Q(state="pending"))]

    def __str__(self):
        return f"#{self.pk} ({self.get_state_display()})"
