"""The document a delivery sent: a photo, re-encoded like a case's (no metadata comes along), or
a PDF, accepted only when its bytes say it is one and it is within DELIVERY_PDF_MAX_BYTES."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from .photos import photo_reencode

PDF_MAGIC = b"%PDF-"


def document_clean(upload) -> ContentFile:
    """The upload as a clean JPEG (named .jpg) or the PDF as sent (named .pdf). Raises
    ValidationError with a message for the organizer."""
    upload.seek(0)
    head = upload.read(len(PDF_MAGIC))
    upload.seek(0)
    if head != PDF_MAGIC:
        if upload.size > settings.CASE_PHOTO_MAX_BYTES:
            return photo_reencode(upload)  # refused with the photo's size limit in its message
        try:
            return photo_reencode(upload)
        except ValidationError:
            raise ValidationError(
                _("This file is neither a PDF nor a photo the site can read; upload a PDF, JPEG, PNG or WebP.")
            ) from None
    if upload.size > settings.DELIVERY_PDF_MAX_BYTES:
        raise ValidationError(
            _("This PDF is %(size)d MB; the largest accepted is %(max)d MB.")
            % {"size": -(-upload.size // 2**20), "max": settings.DELIVERY_PDF_MAX_BYTES // 2**20}
        )
    data = upload.read()
    if b"%%EOF" not in data[-1024:]:
        raise ValidationError(_("This PDF is incomplete; upload the whole file again."))
    return ContentFile(data, name="document.pdf")
