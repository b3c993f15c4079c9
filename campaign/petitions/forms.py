"""Forms validate and lay out; they never write or send."""

import copy
import unicodedata

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Layout, Submit
from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.functional import cached_property
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django_countries.fields import LazyTypedChoiceField

from .abuse import URL_PATTERN, has_forbidden_chars
from .countries import country_choices
from .email_typos import email_suggestion
from .services import canonical_email
from .sources import source_code_clean

NAME_MAX_LENGTH = 100
NAME_TOO_LONG = _("Please shorten your name to 100 characters or fewer.")
NAME_FORBIDDEN_CHARS = _("Please use only letters, spaces and punctuation in your name.")
# Only plain addresses: a quoted local part or an RFC 2047 encoded word
# ("=?utf-8?q?victim?="@example.net) is a distinct address to the duplicate rule, yet some
# mail systems deliver it to the decoded one, so each variant would mail the same person.
EMAIL_NOT_PLAIN = _(
    "Please enter a plain email address, like name@example.org, without quotation marks or encoded text."
)
EMAIL_TYPO = _(
    "Did you mean %(suggestion)s? If so, please correct it. If the address is right as it is, "
    "press “Sign the petition” again."
)
EMAIL_ERRORS = {
    "required": _("Please enter your email address."),
    "invalid": _("Please enter a valid email address, like name@example.org."),
    "max_length": _("Please use an email address of 254 characters or fewer."),
}


LEAVE_NAME_OFF_LABEL = _("Count my signature but leave my name off the list given to the authorities")


def name_field() -> forms.CharField:
    """The name field of the sign form; every form that takes a name uses it, with name_clean."""
    return forms.CharField(
        label=_("Full name"),
        # The real limit (100) is measured after normalisation (name_clean); this only bounds
        # the input, with the same message so nobody is told about two different limits.
        max_length=300,
        error_messages={
            "required": _("Please enter your name."),
            "max_length": NAME_TOO_LONG,
            "null_characters_not_allowed": NAME_FORBIDDEN_CHARS,
        },
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )


def name_clean(value: str) -> str:
    """A name as stored, or a form error: the sign form's rules, wherever a name is entered."""
    name = unicodedata.normalize("NFC", value)
    if has_forbidden_chars(name):
        raise forms.ValidationError(NAME_FORBIDDEN_CHARS)
    name = " ".join(name.split())
    # A name has at least one letter: joiners or punctuation alone would show as nothing.
    if not any(unicodedata.category(ch)[0] == "L" for ch in name):
        raise forms.ValidationError(_("Please enter your name."))
    if len(name) > NAME_MAX_LENGTH:
        raise forms.ValidationError(NAME_TOO_LONG)
    if URL_PATTERN.search(name):
        raise forms.ValidationError(_("Please enter your name without web addresses."))
    return name


def email_clean(value: str) -> str:
    """An address as stored, or a form error: the sign form's rules (less its typo suggestion)."""
    email = plain_email(value.strip())
    # Django's validator lets through addresses no email can be sent to, or stored for:
    # control characters in a quoted local part (they become line breaks in the To
    # header), domains the mail library cannot encode, and a case-folded form longer
    # than its database column ("ß" folds to "ss").
    try:
        email.rpartition("@")[2].encode("idna")
    except UnicodeError:
        raise forms.ValidationError(EMAIL_ERRORS["invalid"]) from None
    if has_forbidden_chars(email) or len(canonical_email(email)) > 254:
        raise forms.ValidationError(EMAIL_ERRORS["invalid"])
    return email


class SharedChoicesField(LazyTypedChoiceField):
    """A choice field whose choices are shared by every form instance, not copied.

    Django deep-copies each field's choices, and re-normalises its widget's, for every form
    it builds; for ~250 countries that was a fifth of the CPU time of a signature. Nothing
    changes these choices per form but their language (`use_choices`), so sharing them is safe.
    """

    def __deepcopy__(self, memo):
        result = copy.copy(self)
        memo[id(self)] = result
        result.widget = copy.copy(self.widget)
        result.widget.attrs = self.widget.attrs.copy()
        result.error_messages = self.error_messages.copy()
        result.validators = self.validators[:]
        return result

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Every language's list has the same keys: computed here once, shared by every copy.
        self._keys = frozenset(str(key) for key, _label in self.choices)

    def use_choices(self, choices) -> None:
        """Other labels for the same keys (another language), already normalised: set without
        Django's per-form normalisation. The widget's `choices` setter would normalise them
        again (a new list of ~250 pairs, each pair checked), so its attribute is set directly."""
        self._choices = self.widget._choices = choices

    def valid_value(self, value):
        # One set lookup, where Django walks the ~250 choices comparing each (lazily translated) pair.
        return str(value) in self._keys


_country_choices_with_prompt: dict[str, list] = {}


def country_choices_with_prompt(language: str) -> list[tuple[str, str]]:
    """The country list in `language` (names and order), after a prompt: built once per language."""
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    choices = _country_choices_with_prompt.get(language)
    if choices is None:
        with translation.override(language):
            choices = [("", gettext("Choose your country")), *country_choices(language)]
        _country_choices_with_prompt[language] = choices
    return choices


class SourceField(forms.CharField):
    """The `?source=` code the page was opened with, carried in a hidden input. Anything not
    shaped like a code becomes "" (no source): never an error the signer could not fix."""

    widget = forms.HiddenInput

    def to_python(self, value):
        return source_code_clean(value)


class SignatureForm(forms.Form):
    name = name_field()
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        error_messages=EMAIL_ERRORS,
        help_text=_("We send one email to confirm your signature."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    country = SharedChoicesField(
        label=_("Country"),
        choices=country_choices_with_prompt("en"),
        error_messages={
            "required": _("Please choose your country."),
            "invalid_choice": _("Please choose your country from the list."),
        },
    )
    show_publicly = forms.BooleanField(label=_("Show my first name and country among recent signers"), required=False)
    keep_updated = forms.BooleanField(label=_("Keep me updated about this campaign"), required=False)
    leave_name_off = forms.BooleanField(label=LEAVE_NAME_OFF_LABEL, required=False)
    # A honeypot: hidden from people and screen readers, filled in by naive bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    source = SourceField(required=False)

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.action = action
        # A likely typo's correction, once suggested: sending the same address again keeps it.
        self.email_suggestion = ""
        self.email_suggested_for = ""
        self.fields["country"].use_choices(country_choices_with_prompt(get_language() or "en"))

    @cached_property
    def helper(self) -> FormHelper:
        # Built when the form is shown: a valid submission (most of them) never needs it.
        helper = FormHelper()
        helper.form_action = self.action
        helper.attrs = {"novalidate": ""}  # our messages, not the browser's, so they are the same everywhere
        helper.layout = Layout(
            Field("name"),
            Field("email"),
            HTML('{% include "petitions/_email_suggestion.html" %}'),
            Field("country"),
            Field("show_publicly"),
            Field("keep_updated"),
            Field("leave_name_off"),
            Div(Field("website"), css_class="hp-field", aria_hidden="true"),
            Field("source"),
            HTML('{% include "petitions/_data_notice.html" %}'),
            Submit("sign", _("Sign the petition"), css_class="btn-lg w-100"),
        )
        return helper

    def clean_name(self):
        return name_clean(self.cleaned_data["name"])

    def clean_email(self):
        email = email_clean(self.cleaned_data["email"])
        suggestion = email_suggestion(email)
        if suggestion and (self.data.get("email_kept") or "").strip() != email:
            self.email_suggestion, self.email_suggested_for = suggestion, email
            raise forms.ValidationError(EMAIL_TYPO, code="typo", params={"suggestion": suggestion})
        return email

    @property
    def honeypot_filled(self) -> bool:
        return bool(self.cleaned_data.get("website"))


def plain_email(email: str) -> str:
    """The address, if it is plain (see EMAIL_NOT_PLAIN); else a form error."""
    local = email.rpartition("@")[0]
    if '"' in local or "\\" in local or "=?" in local:
        raise forms.ValidationError(EMAIL_NOT_PLAIN)
    return email


class ResendForm(forms.Form):
    email = forms.EmailField(
        label=_("Email you signed with"),
        max_length=254,
        error_messages=EMAIL_ERRORS,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.attrs = {"novalidate": ""}
        self.helper.add_input(Submit("resend", _("Send me the link again")))

    def clean_email(self):
        return plain_email(self.cleaned_data["email"].strip())


class ManageRequestForm(ResendForm):
    """Ask for a fresh "Manage my signature" link: the resend form, with its own button."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper.inputs = [Submit("manage", _("Send me the link"))]


class ManageChoicesForm(forms.Form):
    """The choices a signer can change later, labelled as on the sign form."""

    show_publicly = forms.BooleanField(label=SignatureForm.base_fields["show_publicly"].label, required=False)
    keep_updated = forms.BooleanField(label=SignatureForm.base_fields["keep_updated"].label, required=False)
    leave_name_off = forms.BooleanField(label=LEAVE_NAME_OFF_LABEL, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class ManageNameForm(forms.Form):
    """A signer's corrected name, under the sign form's rules."""

    name = name_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Your name")
        self.helper = FormHelper()
        self.helper.form_tag = False

    def clean_name(self):
        return name_clean(self.cleaned_data["name"])
