"""Forms for the moderation pages: they validate, nothing more."""

import ipaddress
import re

from django import forms
from django.db import connection
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from campaign.petitions import crypto
from campaign.petitions.forms import EMAIL_ERRORS, email_clean, name_clean, name_field
from campaign.petitions.models import Petition

DOMAIN_PATTERN = re.compile(r"^(?=.{1,253}$)([a-z0-9-]{1,63}\.)+[a-z0-9-]{1,63}$")


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class InvalidationForm(forms.Form):
    """The criteria of a bulk invalidation; any combination, at least one."""

    petition = forms.ModelChoiceField(Petition.objects.all(), label=_("Petition"), empty_label=None)
    ip = forms.CharField(
        label=_("IP address or range"),
        required=False,
        max_length=50,
        help_text=_("One address (203.0.113.7) or a CIDR range (203.0.113.0/24)."),
    )
    email_domain = forms.CharField(
        label=_("Email domain"), required=False, max_length=253, help_text=_("For example example.org.")
    )
    name_shape = forms.CharField(
        label=_("Name shape"),
        required=False,
        max_length=100,
        help_text=_(
            "Names are encrypted, so they are matched by shape: each run of letters as Aa (or a when it "
            "starts lower-case), each digit as 9, other characters as they are. Type a name from the burst "
            "or its shape: “John Smith 12” and “Aa Aa 99” both mean Aa Aa 99. Combine it with a time "
            "window, an address range or a domain: many real names share a shape."
        ),
    )
    country = forms.ChoiceField(label=_("Country"), required=False)
    signed_from = forms.DateTimeField(label=_("Signed from (UTC)"), required=False, widget=DateTimeLocalInput())
    signed_to = forms.DateTimeField(label=_("Signed before (UTC)"), required=False, widget=DateTimeLocalInput())
    reason = forms.CharField(
        label=_("Reason"), max_length=200, help_text=_("Why these signatures are invalid; recorded in the audit log.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [("", _("any country")), *countries]

    def clean_ip(self) -> str:
        value = self.cleaned_data["ip"].strip()
        if not value:
            return ""
        try:
            if "/" in value:
                network = ipaddress.ip_network(value, strict=False)
                if network.num_addresses == 1:
                    return str(network.network_address)
                if network.version == 6 and connection.vendor != "postgresql":
                    raise forms.ValidationError(_("IPv6 ranges can only be searched on PostgreSQL."))
                return str(network)
            return str(ipaddress.ip_address(value))
        except ValueError:
            raise forms.ValidationError(_("Enter an IP address or a range such as 203.0.113.0/24.")) from None

    def clean_email_domain(self) -> str:
        value = self.cleaned_data["email_domain"].strip().lstrip("@").casefold()
        if value and not DOMAIN_PATTERN.match(value):
            raise forms.ValidationError(_("Enter a domain such as example.org, without the part before @."))
        return value

    def clean_name_shape(self) -> str:
        # An example name and its shape give the same shape: "John Smith 12" and "Aa Aa 99".
        return crypto.name_shape(self.cleaned_data["name_shape"])

    def clean(self):
        data = super().clean()
        criteria = ("ip", "email_domain", "name_shape", "country", "signed_from", "signed_to")
        if not self.errors and not any(data.get(name) for name in criteria):
            raise forms.ValidationError(
                _("Choose at least one criterion: an invalidation never takes a whole petition.")
            )
        if data.get("signed_from") and data.get("signed_to") and data["signed_from"] >= data["signed_to"]:
            self.add_error("signed_to", _("The end of the time window must come after its start."))
        return data


class InvalidationApplyForm(InvalidationForm):
    """The previewed criteria again, hidden, pinned to the rows the preview counted."""

    max_pk = forms.IntegerField(min_value=0, widget=forms.HiddenInput)
    matched = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget = forms.HiddenInput()


class RejectForm(forms.Form):
    """The reason asked for on the confirmation page of "reject as spam"."""

    reason = forms.CharField(
        label=_("Reason"), max_length=200, initial=_("spam"), help_text=_("Recorded in the audit log.")
    )


class SignatureCorrectForm(forms.Form):
    """A signature's corrected name and address, under the sign form's rules."""

    name = name_field()
    email = forms.EmailField(label=_("Email"), max_length=254, error_messages=EMAIL_ERRORS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].label = _("Name")
        self.fields["name"].widget.attrs["autocomplete"] = "off"

    def clean_name(self):
        return name_clean(self.cleaned_data["name"])

    def clean_email(self):
        return email_clean(self.cleaned_data["email"])
