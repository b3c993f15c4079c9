"""The permission matrix: every staff URL and every admin action, for every kind of visitor.

The URLs are read from the URL resolver, so a staff page added later (an export, a moderation
page, an admin for a new model) is walked too, and fails here until its expectation is written
down. "Gets in" means the view did its work: not a redirect to the login page, not 403, not 404.
"""

import re

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from campaign.petitions.models import (
    AuditEntry,
    ExportJob,
    Invalidation,
    Petition,
    Signature,
    SourceCode,
    SupporterUpdate,
)
from campaign.staff_admin import totp_device_enrol
from tests.factories import SignatureFactory

from .conftest import ROLES

NOBODY: frozenset = frozenset()
STAFF = frozenset({"organizer", "moderator", "administrator"})
MODERATORS = frozenset({"moderator", "administrator"})
EXPORTERS = frozenset({"organizer", "administrator"})
ADMINISTRATORS = frozenset({"administrator"})

# Who gets into each admin page, by model; views not listed for a model fall back to "view".
ADMIN_MODELS = {
    "petitions_petition": {"view": STAFF, "add": ADMINISTRATORS, "delete": ADMINISTRATORS},
    # Signatures, invalidations and the audit log are changed only by services, never in a form.
    "petitions_signature": {"view": MODERATORS, "add": NOBODY, "delete": NOBODY},
    "petitions_invalidation": {"view": MODERATORS, "add": NOBODY, "delete": NOBODY},
    "petitions_auditentry": {"view": ADMINISTRATORS, "add": NOBODY, "delete": NOBODY},
    "petitions_exportjob": {"view": ADMINISTRATORS, "add": NOBODY, "delete": NOBODY},
    # Link source codes per partner (0011): organizers and administrators.
    "petitions_sourcecode": {"view": EXPORTERS, "add": EXPORTERS, "delete": EXPORTERS},
    # Updates to supporters (0012): organizers write, preview, test and send; deleting a draft and
    # approving a large send are the administrators'.
    "petitions_supporterupdate": {
        "view": EXPORTERS,
        "add": EXPORTERS,
        "delete": ADMINISTRATORS,
        "approve": ADMINISTRATORS,
    },
    "auth_user": {"view": ADMINISTRATORS, "add": ADMINISTRATORS, "delete": ADMINISTRATORS},
    "auth_group": {"view": ADMINISTRATORS, "add": ADMINISTRATORS, "delete": ADMINISTRATORS},
    # Staff members' authenticators: whoever holds a device's key holds that account's second
    # factor, so the key is never shown again once made (config and QR code pages: nobody).
    "otp_totp_totpdevice": {
        "view": ADMINISTRATORS,
        "add": ADMINISTRATORS,
        "delete": ADMINISTRATORS,
        "config": NOBODY,
        "qrcode": NOBODY,
    },
}
ADMIN_SITE = {"admin:index": STAFF, "admin:app_list": STAFF}
MODERATION = {
    "moderation:dashboard": STAFF,
    "moderation:home": STAFF,
    "moderation:chart": STAFF,
    "moderation:queue": MODERATORS,
    "moderation:invalidation_new": MODERATORS,
    "moderation:invalidation": MODERATORS,
    "moderation:invalidation_reverse": MODERATORS,
    "moderation:undo": MODERATORS,
    # Correcting a signer's name or address (on their written request): the roles that may
    # change signatures (petitions.change_signature: Moderator, and Administrator, who has all).
    "moderation:signature_correct": MODERATORS,
}
# Every export page, whatever it is: organizers and administrators only.
NAMESPACE_DEFAULTS = {"exports": EXPORTERS}

ACTIONS = {
    (Signature, "reject_spam"): MODERATORS,
    (Signature, "clear_suspicion"): MODERATORS,
    (Signature, "restore"): MODERATORS,
    (Signature, "resend_confirmation"): MODERATORS,
    # Irreversible: administrators only.
    (Signature, "erase_personal_data"): ADMINISTRATORS,
    (Signature, "delete_selected"): NOBODY,
    (Petition, "delete_selected"): ADMINISTRATORS,
    # Closing early and reopening: organizers (0008_petition_life) and administrators.
    (Petition, "close_now"): EXPORTERS,
    (Petition, "reopen"): EXPORTERS,
    (Invalidation, "delete_selected"): NOBODY,
    (AuditEntry, "export_csv"): ADMINISTRATORS,
    (AuditEntry, "delete_selected"): NOBODY,
    (ExportJob, "delete_selected"): NOBODY,
    (SourceCode, "delete_selected"): EXPORTERS,
    (SupporterUpdate, "delete_selected"): ADMINISTRATORS,
}


def _params(pattern) -> list[str]:
    regex = getattr(pattern.pattern, "regex", None)
    return list(regex.groupindex) if regex is not None else []


def _walk(patterns, namespace: str | None = None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = entry.namespace or namespace
            for name, params in _walk(entry.url_patterns, inner):
                yield name, _params(entry) + params
        elif isinstance(entry, URLPattern) and entry.name and namespace:
            yield f"{namespace}:{entry.name}", _params(entry)


def _staff_urls() -> list[tuple[str, list[str]]]:
    found = {}
    for name, params in _walk(get_resolver().url_patterns):
        namespace, _sep, short = name.partition(":")
        if namespace in ("moderation", *NAMESPACE_DEFAULTS) or (
            namespace == "admin" and (name in ADMIN_SITE or short.rpartition("_")[0].rstrip("_") in ADMIN_MODELS)
        ):
            found[name] = params
        elif namespace == "admin" and re.match(r"(petitions|auth|otp_totp)_", short):
            found[name] = params  # a model with no expectation yet: expected() will say so
    return sorted(found.items())


STAFF_URLS = _staff_urls()


def expected(name: str) -> frozenset:
    namespace, _sep, short = name.partition(":")
    if name in ADMIN_SITE:
        return ADMIN_SITE[name]
    if namespace == "moderation":
        assert name in MODERATION, f"write down who may open {name} in MODERATION"
        return MODERATION[name]
    if namespace in NAMESPACE_DEFAULTS:
        return NAMESPACE_DEFAULTS[namespace]
    model, _sep, view = short.rpartition("_")
    if model == "auth_user_password":  # setting someone's password: user management
        return ADMINISTRATORS
    assert model in ADMIN_MODELS, f"write down who may open the admin of {model} in ADMIN_MODELS"
    return ADMIN_MODELS[model].get(view, ADMIN_MODELS[model]["view"])


@pytest.fixture
def objects(db, users):
    petition = Petition.objects.create(slug="matrix", title="Matrix", text="Free them.")
    signature = SignatureFactory(petition=petition, state=Signature.State.SUSPICIOUS, suspicion=["rate_ip"])
    invalidation = Invalidation.objects.create(
        petition=petition,
        criteria={"country": "RU", "max_pk": 0},
        reason="matrix",
        created_by=users["administrator"],
        state=Invalidation.State.RUNNING,
    )
    audit = AuditEntry.objects.create(actor_label="someone", action="signatures_reject", count=1)
    device = totp_device_enrol(user=users["moderator"], name="a colleague's phone")
    source = SourceCode.objects.create(code="matrix-partner", label="Matrix")
    update = SupporterUpdate.objects.create(petition=petition, subject="News", body="We delivered it.")
    return {
        "source": source,
        "update": update,
        "petition": petition,
        "signature": signature,
        "invalidation": invalidation,
        "audit": audit,
        "users": users,
        "device": device,
    }


def _export_job(petition, owner) -> ExportJob:
    """A finished-looking export job belonging to the visitor (jobs are visible to their owner only)."""
    return ExportJob.objects.create(
        owner=owner,
        petition=petition,
        filters={"states": ["confirmed"], "contactable": True, "format": "csv"},
        file_format="csv",
        state=ExportJob.State.QUEUED,
    )


def _url(name: str, params: list[str], objects: dict, user) -> str:
    from django.contrib.auth.models import Group

    short = name.partition(":")[2]
    by_model = {
        "petitions_petition": objects["petition"].pk,
        "petitions_signature": objects["signature"].pk,
        "petitions_invalidation": objects["invalidation"].pk,
        "petitions_auditentry": objects["audit"].pk,
        "auth_user": objects["users"]["supporter"].pk,
        "auth_group": Group.objects.get(name="Moderator").pk,
        "otp_totp_totpdevice": objects["device"].pk,
        "petitions_sourcecode": objects["source"].pk,
        "petitions_supporterupdate": objects["update"].pk,
    }
    kwargs = {}
    for param in params:
        if param == "app_label":
            kwargs[param] = "petitions"
        elif param in ("object_id", "id") and short.startswith("petitions_exportjob"):
            kwargs[param] = _export_job(objects["petition"], objects["users"]["administrator"]).pk
        elif param in ("object_id", "id"):
            kwargs[param] = next(pk for prefix, pk in by_model.items() if short.startswith(prefix))
        elif param == "signature_id":
            kwargs[param] = objects["signature"].pk
        elif param == "pk" and name.startswith("moderation:"):
            kwargs[param] = objects["invalidation"].pk
        elif param == "pk" and name.startswith("exports:"):
            kwargs[param] = _export_job(objects["petition"], user or objects["users"]["administrator"]).pk
        elif param == "pk" and short.startswith("otp_totp_totpdevice"):
            kwargs[param] = objects["device"].pk
        elif param == "pk" and short.startswith("petitions_supporterupdate"):
            kwargs[param] = objects["update"].pk
        elif param == "slug":
            kwargs[param] = objects["petition"].slug
        else:
            raise AssertionError(f"the matrix does not know what to put in <{param}> of {name}")
    return reverse(name, kwargs=kwargs)


def _got_in(response) -> bool:
    if response.status_code in (403, 404):
        return False
    if response.status_code == 302 and response["Location"].startswith(reverse("admin:login")):
        return False
    assert response.status_code < 500, f"{response.status_code} from {response.request['PATH_INFO']}"
    return True


def test_the_matrix_covers_every_staff_area():
    names = {name for name, _params in STAFF_URLS}
    assert {
        "admin:petitions_signature_changelist",
        "admin:petitions_auditentry_changelist",
        "moderation:dashboard",
        "admin:otp_totp_totpdevice_changelist",
    } <= names
    assert all(name in names for name in MODERATION)
    assert any(name.startswith("exports:") for name in names)


@pytest.mark.parametrize(("name", "params"), STAFF_URLS, ids=[name for name, _params in STAFF_URLS])
def test_exactly_the_right_roles_get_into(name, params, client, objects):
    who_got_in = set()
    for role in ROLES:
        user = objects["users"].get(role)
        client.logout()
        if user is not None:
            client.force_login(user)
        url = _url(name, params, objects, user)
        response = client.get(url)
        if response.status_code == 405:  # a POST-only endpoint
            response = client.post(url)
        if _got_in(response):
            who_got_in.add(role)
    assert who_got_in == set(expected(name)), name


def _actions():
    cases = []
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label != "petitions":
            continue
        for _func, action, _description in model_admin._get_base_actions():
            cases.append((model, action))
    return cases


def test_every_admin_action_has_an_expectation():
    assert set(_actions()) == set(ACTIONS)


@pytest.mark.parametrize(("model", "action"), list(ACTIONS), ids=[f"{m._meta.model_name}-{a}" for m, a in ACTIONS])
def test_exactly_the_right_roles_may_run_the_action(model, action, client, objects):
    target = {
        Signature: objects["signature"],
        Petition: objects["petition"],
        Invalidation: objects["invalidation"],
        AuditEntry: objects["audit"],
    }.get(model) or _export_job(objects["petition"], objects["users"]["administrator"])
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    who_got_in = set()
    for role in ROLES:
        user = objects["users"].get(role)
        client.logout()
        if user is not None:
            client.force_login(user)
        response = client.post(url, {"action": action, "_selected_action": [target.pk], "index": 0})
        # Allowed: the confirmation page (or the file). Refused: 403, the login page, or the
        # list again (redirected, or shown as if nothing was posted) because it is not offered.
        shown_list = any(t.name.endswith("change_list.html") for t in response.templates if t.name)
        if response.status_code == 200 and not shown_list:
            who_got_in.add(role)
        else:
            assert response.status_code in (200, 302, 403), (role, response.status_code)
    assert who_got_in == set(ACTIONS[(model, action)])
