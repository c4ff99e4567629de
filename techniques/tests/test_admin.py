import pytest
from django.urls import reverse

from clinic.tests.factories import clinic_admin_user
from techniques.models import Contraindication, Technique

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(clinic_admin_user())
    return client


def test_technique_list_filters_by_kind_and_published_and_links_a_preview(admin_client):
    resp = admin_client.get(
        reverse("admin:techniques_technique_changelist"), {"kind": "yoga", "published": "1"}
    )
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "Pigeon pose" in body
    assert "Ball release" not in body
    assert 'href="/techniques/pigeon-pose/"' in body


def test_technique_list_search_finds_by_code(admin_client):
    resp = admin_client.get(reverse("admin:techniques_technique_changelist"), {"q": "HEAT"})
    assert "Heat therapy" in resp.content.decode()
    assert "Cobra pose" not in resp.content.decode()


def test_technique_change_page_edits_steps_inline_and_links_to_the_site(admin_client):
    technique = Technique.objects.get(code="COB")
    resp = admin_client.get(reverse("admin:techniques_technique_change", args=[technique.pk]))
    body = resp.content.decode()
    assert resp.status_code == 200
    assert "steps-TOTAL_FORMS" in body
    assert "View on site" in body


def test_contraindication_change_page_uses_a_horizontal_filter_for_rules_out(admin_client):
    contraindication = Contraindication.objects.get(key="pregnancy")
    resp = admin_client.get(reverse("admin:techniques_contraindication_change", args=[contraindication.pk]))
    assert resp.status_code == 200
    assert "selectfilter" in resp.content.decode()


def test_contraindication_list_search_finds_by_key(admin_client):
    resp = admin_client.get(reverse("admin:techniques_contraindication_changelist"), {"q": "kidney"})
    assert "Kidney disease" in resp.content.decode()
