"""Issue 14: public images (the clinic's logo) are uploaded in the admin, checked to be images,
re-encoded small and without metadata, stored in the public media folder (never the private one) and
served by the app in development."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from PIL import Image

from clinic.images import LOGO_BOX, PHOTO_BOX, image_normalise
from clinic.models import ClinicProfile

from .emails import PROFILE
from .factories import clinic_admin_user
from .images import GPS_TAG, MAKE_TAG, jpeg_upload, not_an_image, png_upload, stored_image

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client):
    client.force_login(clinic_admin_user(is_superuser=True))
    return client


def post_profile(client, **files):
    return client.post(reverse("admin:clinic_clinicprofile_change", args=[1]), {**PROFILE, **files})


@pytest.fixture
def profile():
    profile = ClinicProfile(**PROFILE)
    profile.save()
    return profile


def test_a_logo_uploaded_in_the_admin_keeps_its_transparency_and_shows_in_the_menu(admin_client_, profile):
    resp = post_profile(admin_client_, logo=png_upload((300, 100)))
    assert resp.status_code == 302
    profile = ClinicProfile.objects.get()
    stored = stored_image(profile.logo)
    assert stored.format == "PNG" and stored.mode == "RGBA" and stored.size == (300, 100)
    assert (profile.logo_width, profile.logo_height) == (300, 100)
    page = admin_client_.get(reverse("home")).content.decode()
    assert f'src="{profile.logo.url}"' in page and 'width="300" height="100"' in page


def test_a_huge_logo_is_shrunk_to_fit_its_box(admin_client_, profile):
    post_profile(admin_client_, logo=png_upload((3000, 1000)))
    stored = stored_image(ClinicProfile.objects.get().logo)
    assert stored.size == (600, 200)


def test_a_file_that_is_not_an_image_is_refused_with_a_message(admin_client_, profile):
    resp = post_profile(admin_client_, logo=not_an_image("logo.png"))
    assert resp.status_code == 200
    assert "Upload a valid image" in resp.content.decode()
    assert not ClinicProfile.objects.get().logo
    assert ClinicProfile.objects.get().phone == PROFILE["phone"]


def test_the_upload_is_stored_under_a_made_up_name_in_the_public_folder_never_the_private_one(
    admin_client_, profile
):
    post_profile(admin_client_, logo=png_upload(name="../../private_media/evil name.png"))
    logo = ClinicProfile.objects.get().logo
    path = Path(logo.path).resolve()
    assert path.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert not path.is_relative_to(Path(settings.PRIVATE_MEDIA_ROOT).resolve())
    assert logo.name.startswith("clinic/") and "evil" not in logo.name and logo.name.endswith(".png")


def test_the_app_serves_a_public_image(client, admin_client_, profile):
    post_profile(admin_client_, logo=png_upload())
    url = ClinicProfile.objects.get().logo.url
    assert url.startswith("/media/clinic/")
    resp = client.get(url)
    assert resp.status_code == 200
    assert resp["Content-Type"] == "image/png"
    assert resp["X-Content-Type-Options"] == "nosniff"
    b"".join(resp.streaming_content)


@pytest.mark.parametrize("path", ["clinic/../../etc/passwd", "clinic/notes.html", "nothing-here.png"])
def test_the_media_route_serves_nothing_else(client, path):
    assert client.get(f"/media/{path}").status_code == 404


def test_camera_data_is_removed_and_a_large_photo_is_shrunk():
    upload = jpeg_upload((4000, 3000))
    result = image_normalise(upload, box=PHOTO_BOX)
    image = Image.open(result)
    assert image.format == "JPEG" and image.size == (800, 600)
    exif = image.getexif()
    assert MAKE_TAG not in exif and GPS_TAG not in exif
    assert "exif" not in image.info


def test_a_transparent_image_is_flattened_onto_white_where_transparency_is_not_kept():
    image = Image.open(image_normalise(png_upload((20, 10)), box=LOGO_BOX))
    assert image.format == "JPEG" and image.getpixel((0, 0)) == (255, 255, 255)


def test_a_file_that_only_claims_to_be_a_jpeg_is_refused():
    with pytest.raises(ValidationError) as caught:
        image_normalise(not_an_image(), box=PHOTO_BOX)
    assert caught.value.code == "image_invalid"


def test_a_small_photo_is_not_enlarged():
    image = Image.open(image_normalise(jpeg_upload((40, 30)), box=PHOTO_BOX))
    assert image.size == (40, 30)


def test_an_image_with_too_many_pixels_is_refused_before_it_is_decoded(monkeypatch):
    monkeypatch.setattr("clinic.images.MAX_PIXELS", 100)
    with pytest.raises(ValidationError) as caught:
        image_normalise(jpeg_upload((20, 20)), box=PHOTO_BOX)
    assert caught.value.code == "image_too_large"
