"""Forms of the content's admin: they validate, and turn an uploaded photo into a clean one."""

from django import forms

from .documents import document_clean
from .models import Case, Delivery, PartnerOrigin
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


class DeliveryAdminForm(forms.ModelForm):
    class Meta:
        model = Delivery
        fields = ["recipient", "delivered_on", "signatures", "note", "document", "document_alt", "is_published"]

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if document and "document" in self.changed_data and hasattr(document, "size"):
            return document_clean(document)
        return document


class PartnerOriginForm(forms.ModelForm):
    """An origin is accepted as typed when the browser would write it the same way once
    normalised (case, default port, a trailing slash); anything else is refused with why."""

    class Meta:
        model = PartnerOrigin
        fields = ["origin", "partner"]

    def clean_origin(self):
        return origin_normalize(self.cleaned_data.get("origin", ""))
