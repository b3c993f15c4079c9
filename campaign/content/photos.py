"""Case photos: every upload is decoded and drawn afresh as a plain JPEG, so nothing the camera
or phone wrote (EXIF, GPS position, maker notes, XMP, embedded thumbnails) reaches the site."""

import io

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_PIXELS = 40_000_000  # a decompression bomb is refused before it is decoded


def photo_reencode(upload) -> ContentFile:
    """The upload as a new JPEG without metadata, at most CASE_PHOTO_MAX_SIDE pixels a side,
    turned upright by its orientation tag first. Raises ValidationError with a message for the editor."""
    if upload.size > settings.CASE_PHOTO_MAX_BYTES:
        raise ValidationError(
            _("This photo is %(size)d MB; the largest accepted is %(max)d MB.")
            % {"size": -(-upload.size // 2**20), "max": settings.CASE_PHOTO_MAX_BYTES // 2**20}
        )
    try:
        with Image.open(upload) as image:
            if image.format not in ACCEPTED_FORMATS:
                raise ValidationError(_("Upload the photo as JPEG, PNG or WebP."))
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(_("This photo has too many pixels; upload a smaller copy."))
            image.load()
            upright = ImageOps.exif_transpose(image)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError, ValueError):
        raise ValidationError(_("This file is not a photo the site can read; upload a JPEG, PNG or WebP.")) from None
    # Only the pixels are copied into a new image: no metadata of the upload can come along.
    clean = Image.frombytes("RGB", upright.size, upright.convert("RGB").tobytes())
    clean.thumbnail((settings.CASE_PHOTO_MAX_SIDE, settings.CASE_PHOTO_MAX_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=85, optimize=True, progressive=True)
    return ContentFile(out.getvalue(), name="photo.jpg")
