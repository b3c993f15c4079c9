"""Forms of the content's admin: they validate, and turn an uploaded photo into a clean one."""

from django import forms

from .models import Case, PartnerOrigin
from .partners import origin_normalize
from .photos import photo_reencode


class CaseAdminForm(forms.ModelForm):
    class Meta:
        model = Case
        fields = [
            "name",
            "story",
            "photo",
            "photo_alt",
            "position",
            "consent_given_by",
            "consent_given_on",
            "consent_how",
            "is_published",
        ]

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo and "photo" in self.changed_data and hasattr(photo, "size"):
            return photo_reencode(photo)
        return photo


class PartnerOriginForm(forms.ModelForm):
    """An origin is accepted as typed when the browser would write it the same way once
    normalised (case, default port, a trailing slash); anything else is refused with why."""

    class Meta:
        model = PartnerOrigin
        fields = ["origin", "partner"]

    def clean_origin(self):
        return origin_normalize(self.cleaned_data.get("origin", ""))
