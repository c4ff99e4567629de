"""Issue 14: a therapist's photo, bio and qualifications are edited in the admin; the photo is checked,
shrunk to at most 800 pixels and stripped of camera data before it is stored and shown."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clinic.models import Therapist
from clinic.tests.factories import clinic_admin_user
from clinic.tests.images import GPS_TAG, MAKE_TAG, jpeg_upload, not_an_image, stored_image

from .factories import ServiceFactory, bookable_therapist
from .test_admin import _change_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client):
    client.force_login(clinic_admin_user())
    return client


def post_therapist(client, therapist, **changes):
    url = reverse("admin:clinic_therapist_change", args=[therapist.pk])
    data = _change_form_data(client.get(url))
    data.pop("photo", None)
    data.update(changes)
    return client.post(url, data)


def test_a_photo_uploaded_in_the_admin_is_shrunk_stripped_and_shown(admin_client_):
    therapist = bookable_therapist(ServiceFactory(), display_name="Priya Shah")
    resp = post_therapist(
        admin_client_,
        therapist,
        photo=jpeg_upload((3000, 2000)),
        qualifications="BSc Osteopathy\nMSc Sports Rehabilitation",
    )
    assert resp.status_code == 302
    therapist = Therapist.objects.get(pk=therapist.pk)
    image = stored_image(therapist.photo)
    assert image.format == "JPEG" and image.size == (800, 533)
    assert MAKE_TAG not in image.getexif() and GPS_TAG not in image.getexif()
    assert therapist.qualification_lines == ["BSc Osteopathy", "MSc Sports Rehabilitation"]
    page = admin_client_.get(reverse("bookings:therapist-detail", args=[therapist.pk])).content.decode()
    assert f'src="{therapist.photo.url}" alt="Photo of Priya Shah" width="800" height="533"' in page
    listing = admin_client_.get(reverse("bookings:therapists")).content.decode()
    assert f'src="{therapist.photo.url}"' in listing


def test_a_file_that_is_not_an_image_is_refused_and_the_rest_of_the_form_is_kept(admin_client_):
    therapist = bookable_therapist(ServiceFactory(), display_name="Priya Shah")
    resp = post_therapist(admin_client_, therapist, photo=not_an_image(), bio="A new bio I typed.")
    assert resp.status_code == 200
    page = resp.content.decode()
    assert "Upload a valid image" in page
    assert "A new bio I typed." in page  # what the admin typed is still in the form
    assert not Therapist.objects.get(pk=therapist.pk).photo


def test_without_a_photo_the_page_shows_initials(client):
    therapist = bookable_therapist(ServiceFactory(), display_name="Priya Shah")
    page = client.get(reverse("bookings:therapist-detail", args=[therapist.pk])).content.decode()
    assert ">PS</span>" in page
