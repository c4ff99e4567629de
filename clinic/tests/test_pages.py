import pytest
from django.contrib.staticfiles import finders
from django.test import override_settings
from django.urls import reverse

from clinic.views import server_error

pytestmark = pytest.mark.django_db


def test_home_page_explains_the_treatment_and_uses_local_static_files(client):
    resp = client.get(reverse("home"))
    assert resp.status_code == 200
    body = resp.content.decode()
    assert "Psoas Release Treatment" in body
    assert "/static/bootstrap/css/bootstrap.min.css" in body
    assert "cdn" not in body.lower()


def test_pages_send_a_content_security_policy_without_inline_script(client):
    resp = client.get(reverse("home"))
    csp = resp["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "<script>" not in resp.content.decode()


def test_unknown_page_is_a_styled_404(client):
    resp = client.get("/no-such-page/")
    assert resp.status_code == 404
    assert "Page not found" in resp.content.decode()


@override_settings(DEBUG=False)
def test_server_error_page_is_styled(client):
    resp = server_error(client.get(reverse("home")).wsgi_request)
    assert resp.status_code == 500
    assert "Something went wrong" in resp.content.decode()


def test_bootstrap_is_served_by_the_app(client):
    assert finders.find("bootstrap/css/bootstrap.min.css")
    assert finders.find("bootstrap/js/bootstrap.bundle.min.js")


def test_pages_say_they_are_in_british_english(client, settings):
    assert settings.LANGUAGE_CODE == "en-gb"
    assert '<html lang="en-GB">' in client.get(reverse("home")).content.decode()
