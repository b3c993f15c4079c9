"""The staff site (/staff/): Django's admin, which every staff page shares, behind two factors.

A staff password opens the whole supporter list, so a password alone opens nothing: staff
sign in with it and a code from an authenticator app (TOTP, django-otp), and every staff page
(the admin, moderation, exports) asks for a session verified that way. Devices are enrolled
with `manage.py enrol_totp USERNAME`; administrators can see and remove them in the admin.
"""

from functools import wraps

from django import forms
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.decorators import user_passes_test
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import defaults
from django.views.decorators.cache import never_cache
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite
from django_otp.forms import OTPAuthenticationFormMixin
from django_otp.plugins.otp_totp.models import TOTPDevice


def staff_verified(user) -> bool:
    """An active staff member whose session was signed in with their second factor."""
    is_verified = getattr(user, "is_verified", None)
    return bool(user.is_active and user.is_staff and is_verified and is_verified())


def staff_permission(perm: str, *, store: bool = False):
    """For the staff pages beside the admin (moderation, exports): staff signed in with their
    second factor only (others are sent to the staff login), and holding `perm` (else 403).

    Unless `store`, the answer carries `Cache-Control: no-store` (and the rest of
    never_cache): these pages show signers' names, addresses and IPs, which must not stay in
    a shared computer's browser cache or in any proxy.
    """

    def decorator(view):
        @wraps(view)
        def checked(request, *args, **kwargs):
            if not request.user.has_perm(perm):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        guarded = user_passes_test(staff_verified, login_url="admin:login")(checked)
        return guarded if store else never_cache(guarded)

    return decorator


class StaffLoginForm(OTPAdminAuthenticationForm):
    """Username, password and the authenticator's code, on one page.

    django-otp asks which device to check when none is chosen; a staff member with a single
    device (the usual case) is not asked: the code is checked against that device.
    """

    otp_error_messages = dict(
        OTPAuthenticationFormMixin.otp_error_messages,
        token_required=_("Enter the 6-digit code from your authenticator app."),
        invalid_token=_("That code is wrong or has expired. Enter the code your authenticator app shows now."),
        device_required=_("This account has no authenticator app yet. Ask an administrator to enrol one."),
    )
    otp_token = forms.CharField(
        required=False,
        label=_("Authenticator code"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def _chosen_device(self, user):
        device = super()._chosen_device(user)
        if device is None and not self.cleaned_data.get("otp_device"):
            devices = list(devices_for_user(user, confirmed=True, for_verify=True))
            if len(devices) == 1:
                return devices[0]
        return device


class StaffAdminSite(OTPAdminSite):
    """Django's admin site, refusing anyone not verified by their second factor."""

    login_form = StaffLoginForm
    login_template = "admin/login_otp.html"

    def __init__(self, name: str = "admin"):
        super().__init__(name)
        self.site_header = _("Campaign administration")
        self.site_title = _("Campaign admin")

    def login(self, request, extra_context=None):
        # Staff land where daily work starts: the dashboard (held count, queue), not the app list.
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            extra_context = {REDIRECT_FIELD_NAME: reverse("moderation:home"), **(extra_context or {})}
        return super().login(request, extra_context)


def permission_denied(request, exception=None):
    """The 403 page: on a staff page, in the staff pages' frame and navigation, saying why;
    elsewhere Django's own."""
    if not request.path.startswith("/staff/") or not staff_verified(request.user):
        return defaults.permission_denied(request, exception)
    from django.contrib import admin

    context = {**admin.site.each_context(request), "title": _("You cannot open this page")}
    return TemplateResponse(request, "admin/403.html", context, status=403).render()


def totp_device_enrol(*, user, name: str = "authenticator", replace: bool = False) -> TOTPDevice:
    """Give `user` a new TOTP device (removing their others if `replace`), confirmed at once.

    Whoever runs this hands the key to the staff member privately; the device is confirmed
    now because the first sign-in with it is the proof that it was set up right.
    """
    if replace:
        TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name=name, confirmed=True)


def totp_secret(device: TOTPDevice) -> str:
    """The key as authenticator apps take it when typed in (base32)."""
    from base64 import b32encode

    return b32encode(device.bin_key).decode()


def totp_code_now(device: TOTPDevice) -> str:
    """The code an authenticator app with this device's key shows now."""
    from django_otp.oath import TOTP

    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"
