"""Forms validate and lay out; they never write or send."""

import unicodedata

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Layout, Submit
from django import forms
from django.utils.translation import gettext_lazy as _
from django_countries.fields import LazyTypedChoiceField
from django_countries import countries

from .abuse import URL_PATTERN, has_forbidden_chars


class SignatureForm(forms.Form):
    name = forms.CharField(
        label=_("Full name"),
        max_length=300,  # measured after normalisation below; this only bounds the input
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("We send one email to confirm your signature."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    country = LazyTypedChoiceField(label=_("Country"), choices=[("", _("Choose your country"))] + list(countries))
    show_publicly = forms.BooleanField(
        label=_("Show my first name and country among recent signers"), required=False
    )
    keep_updated = forms.BooleanField(label=_("Keep me updated about this campaign"), required=False)
    # A honeypot: hidden from people and screen readers, filled in by naive bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, action: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_action = action
        self.helper.attrs = {"novalidate": ""}  # our messages, not the browser's, so they are the same everywhere
        self.helper.layout = Layout(
            Field("name"),
            Field("email"),
            Field("country"),
            Field("show_publicly"),
            Field("keep_updated"),
            Div(Field("website"), css_class="hp-field", aria_hidden="true"),
            HTML('{% include "petitions/_data_notice.html" %}'),
            Submit("sign", _("Sign the petition"), css_class="btn-lg w-100"),
        )

    def clean_name(self):
        name = unicodedata.normalize("NFC", self.cleaned_data["name"])
        if has_forbidden_chars(name):
            raise forms.ValidationError(_("Please use only letters, spaces and punctuation in your name."))
        name = " ".join(name.split())
        if not name:
            raise forms.ValidationError(_("Please enter your name."))
        if len(name) > 100:
            raise forms.ValidationError(_("Please shorten your name to 100 characters or fewer."))
        if URL_PATTERN.search(name):
            raise forms.ValidationError(_("Please enter your name without web addresses."))
        return name

    def clean_email(self):
        return self.cleaned_data["email"].strip()

    @property
    def honeypot_filled(self) -> bool:
        return bool(self.cleaned_data.get("website"))


class ResendForm(forms.Form):
    email = forms.EmailField(label=_("Email you signed with"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.attrs = {"novalidate": ""}
        self.helper.add_input(Submit("resend", _("Send me the link again")))
