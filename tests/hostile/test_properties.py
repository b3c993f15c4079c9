"""Property: whatever a supporter (or a bot) submits, the form either refuses it with a message,
or signature_create stores a signature that is valid by the model's own rules. Never an
exception, never a half-valid row."""

import string

from django.db import transaction
from django_countries import countries
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from campaign.petitions import services
from campaign.petitions.forms import SignatureForm
from campaign.petitions.models import Signature

from .corpus import HOSTILE

ANY_CHARACTER = st.characters(codec=None, exclude_categories=())
CORPUS_TEXT = st.sampled_from([v for v in HOSTILE if isinstance(v, str)])
LOCAL_PART = st.text(string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~.-\"\\ ", min_size=1, max_size=70)
LABEL = st.text(st.characters(codec=None, exclude_categories=("Cs",)), min_size=1, max_size=70)
EMAILS = st.one_of(
    st.emails(),
    st.builds(lambda local, labels: f"{local}@{'.'.join(labels)}", LOCAL_PART, st.lists(LABEL, min_size=1, max_size=5)),
    st.text(ANY_CHARACTER, max_size=300),
    CORPUS_TEXT,
)
NAMES = st.one_of(st.text(ANY_CHARACTER, max_size=400), CORPUS_TEXT)
COUNTRIES = st.one_of(st.sampled_from([code for code, _name in countries]), st.text(max_size=5))
TICKS = st.one_of(st.none(), st.sampled_from(["on", "", "0", "false", "off"]), st.text(max_size=10))


class Rollback(Exception):
    """Undo one example's writes, so examples do not see each other's signatures."""


def sign(petition, data: dict) -> Signature | None:
    form = SignatureForm({k: v for k, v in data.items() if v is not None})
    if not form.is_valid():
        assert form.errors and all(message.strip() for ms in form.errors.values() for message in ms)
        return None
    cleaned = form.cleaned_data
    services.signature_create(
        petition=petition,
        name=cleaned["name"],
        email=cleaned["email"],
        country=cleaned["country"],
        show_publicly=cleaned["show_publicly"],
        keep_updated=cleaned["keep_updated"],
        ip_address="198.51.100.1",
        honeypot=form.honeypot_filled,
    )
    row = Signature.objects.get(petition=petition, email_index=services.email_lookup(cleaned["email"]))
    row.full_clean()  # valid by every rule the model declares
    assert (row.name, row.email, row.country.code) == (cleaned["name"], cleaned["email"], cleaned["country"])
    assert row.state in (Signature.State.PENDING, Signature.State.SUSPICIOUS)
    return row


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    name=NAMES,
    email=EMAILS,
    country=COUNTRIES,
    show=TICKS,
    keep=TICKS,
    website=st.one_of(st.none(), st.text(max_size=20)),
)
@example(name="Anna", email="a@" + ("\u00df" * 60 + ".") * 3 + "de", country="KZ", show=None, keep=None, website=None)
@example(name="Anna", email='"\x0b"@example.org', country="KZ", show=None, keep=None, website=None)
def test_any_submission_is_either_refused_with_a_message_or_stored_as_a_valid_signature(
    petition, name, email, country, show, keep, website
):
    data = {
        "name": name,
        "email": email,
        "country": country,
        "show_publicly": show,
        "keep_updated": keep,
        "website": website,
    }
    try:
        with transaction.atomic():
            sign(petition, data)
            raise Rollback
    except Rollback:
        pass


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    email=st.emails(),
    variants=st.lists(st.sampled_from(["upper", "lower", "spaces", "swapcase"]), min_size=1, max_size=4),
)
def test_the_same_address_however_typed_makes_one_signature(petition, email, variants):
    typed = {
        "upper": email.upper(),
        "lower": email.lower(),
        "spaces": f"  {email}  ",
        "swapcase": email.swapcase(),
    }
    try:
        with transaction.atomic():
            assume(sign(petition, {"name": "Anna Bekova", "email": email, "country": "KZ"}) is not None)
            for variant in variants:
                form = SignatureForm({"name": "Anna Bekova", "email": typed[variant], "country": "KZ"})
                if form.is_valid():
                    services.signature_create(
                        petition=petition, name="Anna Bekova", email=form.cleaned_data["email"], country="KZ"
                    )
            assert Signature.objects.filter(petition=petition).count() == 1
            raise Rollback
    except Rollback:
        pass
