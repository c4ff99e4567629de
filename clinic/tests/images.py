"""Real image files made with Pillow for the upload tests."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

GPS_TAG = 0x8825
MAKE_TAG = 0x010F


def jpeg_upload(
    size=(40, 30), *, name="photo.jpg", with_exif=True, colour=(180, 120, 90)
) -> SimpleUploadedFile:
    """A JPEG whose EXIF says where and with what it was taken (a camera make and a GPS block)."""
    image = Image.new("RGB", size, colour)
    out = io.BytesIO()
    exif = Image.Exif()
    if with_exif:
        exif[MAKE_TAG] = "PhoneCam"
        exif[GPS_TAG] = {1: "N", 2: (51.0, 30.0, 0.0), 3: "W", 4: (0.0, 7.0, 0.0)}
    image.save(out, format="JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def png_upload(size=(60, 20), *, name="logo.png", transparent=True) -> SimpleUploadedFile:
    image = Image.new(
        "RGBA" if transparent else "RGB", size, (29, 92, 87, 0) if transparent else (29, 92, 87)
    )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def not_an_image(name="photo.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"<html><script>alert(1)</script></html>", content_type="image/jpeg")


def stored_image(field_file) -> Image.Image:
    field_file.open("rb")
    try:
        image = Image.open(io.BytesIO(field_file.read()))
        image.load()
        return image
    finally:
        field_file.close()
