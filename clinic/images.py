"""Public images uploaded in the admin (the clinic's logo, therapists' photos), re-encoded by Pillow
before they are stored: turned the way the camera meant, shrunk to fit a box, and saved afresh as a
JPEG (or a PNG where transparency matters) with none of the original's metadata: no EXIF (GPS position,
date, camera), no comments, no colour profile. Only the pixels of the upload ever reach the public
media folder, under a name the app makes up."""

from __future__ import annotations

import io
import warnings
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel photo; more is refused before it is decoded
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP"}
PHOTO_BOX = (800, 800)
LOGO_BOX = (600, 240)


def image_normalise(upload, *, box: tuple[int, int], keep_transparency: bool = False) -> ContentFile:
    """The upload re-encoded to fit `box` (never enlarged), without metadata. Raises ValidationError
    (code `image_too_large`, `image_invalid`) with a message for the form."""
    if upload.size and upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            "This file is larger than 10 MB. Please upload a smaller photo.", code="image_too_large"
        )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
            if image.format not in ACCEPTED_FORMATS:
                raise ValidationError("Please upload a JPEG, PNG or WebP image.", code="image_invalid")
            if image.width * image.height > MAX_PIXELS:
                raise ValidationError(
                    "This image has too many pixels (more than 40 megapixels). Please upload a smaller one.",
                    code="image_too_large",
                )
            image.load()
            image = ImageOps.exif_transpose(image)
    except (
        UnidentifiedImageError,
        OSError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise ValidationError(
            "This file could not be read as an image. Please upload a JPEG, PNG or WebP file.",
            code="image_invalid",
        ) from exc
    image.thumbnail(box, Image.Resampling.LANCZOS)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    out = io.BytesIO()
    stem = PurePosixPath(upload.name or "image").stem or "image"
    if keep_transparency and has_alpha:
        image.convert("RGBA").save(out, format="PNG", optimize=True)
        name = f"{stem}.png"
    else:
        if has_alpha:  # flatten onto white: a JPEG has no transparency
            background = Image.new("RGB", image.size, (255, 255, 255))
            background.paste(image.convert("RGBA"), mask=image.convert("RGBA").getchannel("A"))
            image = background
        image.convert("RGB").save(out, format="JPEG", quality=85, optimize=True, progressive=True)
        name = f"{stem}.jpg"
    return ContentFile(out.getvalue(), name=name)


def cleaned_image(value, *, box: tuple[int, int], keep_transparency: bool = False):
    """For a form's `clean_<field>`: a new upload re-encoded; a kept or cleared image as it is."""
    if isinstance(value, UploadedFile):
        return image_normalise(value, box=box, keep_transparency=keep_transparency)
    return value
