"""What may be kept by a browser or a proxy: public pages seen signed out and static files, nothing
else. (Every route is walked for `no-store` in intake/tests/test_access_matrix.py.)"""

from __future__ import annotations

import pytest
from django.urls import reverse

from .factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["home", "techniques:catalogue", "bookings:service-list"])
def test_public_pages_seen_signed_out_may_be_cached(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_static_files_may_be_cached(client):
    response = client.get("/static/css/clinic.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    response.close()


def test_the_same_public_page_is_not_stored_for_someone_signed_in(client):
    client.force_login(UserFactory())
    response = client.get(reverse("home"))
    assert "no-store" in response["Cache-Control"]


def test_an_api_refusal_is_not_stored(client):
    response = client.get("/api/v1/appointments")
    assert response.status_code == 401
    assert "no-store" in response["Cache-Control"]
