"""Issue 14: the contact page (from the clinic's profile) and the policy pages (edited in the admin,
shown escaped; the cancellation and privacy pages state the rules the app applies)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clinic.markup import render_plain
from clinic.models import ClinicPolicy, ClinicProfile, PolicyPage

from .emails import PROFILE
from .factories import clinic_admin_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def profile():
    profile = ClinicProfile(
        **PROFILE, opening_hours="Weekdays 08:00 to 19:00\nSaturday 09:00 to 13:00", directions="Bus 5."
    )
    profile.save()
    return profile


def test_the_contact_page_gives_a_tel_link_email_hours_and_directions(client, profile):
    page = client.get(reverse("contact")).content.decode()
    assert '<a class="fs-5" href="tel:02079460321">020 7946 0321</a>' in page
    assert 'href="mailto:hello@clinic.example"' in page
    assert "Weekdays 08:00 to 19:00<br>Saturday 09:00 to 13:00" in page
    assert "Bus 5." in page
    assert "14 Riverside Walk<br>London<br>SE1 9ZZ" in page


def test_the_contact_page_without_a_profile_still_answers(client):
    page = client.get(reverse("contact"))
    assert page.status_code == 200
    assert "Our contact details will be here soon." in page.content.decode()


def test_every_page_links_to_the_contact_page_from_menu_and_footer(client, profile):
    page = client.get(reverse("home")).content.decode()
    menu, footer = page.split("</nav>", 1)
    assert 'href="/contact/"' in menu and 'href="/contact/"' in footer


@pytest.mark.parametrize("slug", ["cancellation", "privacy", "accessibility"])
def test_the_policy_pages_are_there_from_the_first_migrate_and_linked_from_the_footer(client, slug):
    resp = client.get(reverse("policy", args=[slug]))
    assert resp.status_code == 200
    assert PolicyPage.objects.get(slug=slug).title in resp.content.decode()
    assert f'href="/policies/{slug}/"' in client.get(reverse("home")).content.decode()


def test_the_cancellation_page_states_the_clinics_real_rules(client):
    policy = ClinicPolicy.get()
    policy.cancellation_window_hours = 48
    policy.hold_minutes = 20
    policy.save()
    page = client.get(reverse("policy", args=["cancellation"])).content.decode()
    assert "up to <strong>48 hours</strong> before it starts" in page
    assert "held for <strong>20 minutes</strong>" in page


def test_the_privacy_page_states_how_long_records_are_kept(client):
    policy = ClinicPolicy.get()
    policy.clinical_retention_years = 10
    policy.save()
    page = client.get(reverse("policy", args=["privacy"])).content.decode()
    assert "<strong>10 years</strong> after your last visit" in page


def test_html_typed_in_the_admin_is_shown_not_run(client):
    PolicyPage.objects.filter(slug="privacy").update(
        body="<script>alert(1)</script>\n\n## <b>Who</b>\n- <img src=x onerror=alert(1)>",
        title="<i>Privacy</i>",
    )
    page = client.get(reverse("policy", args=["privacy"])).content.decode()
    assert "<script>alert(1)</script>" not in page and "<img src=x" not in page and "<i>Privacy" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<h2>&lt;b&gt;Who&lt;/b&gt;</h2>" in page
    assert "<li>&lt;img src=x onerror=alert(1)&gt;</li>" in page


def test_an_unpublished_or_unknown_policy_page_is_404(client):
    PolicyPage.objects.filter(slug="privacy").update(published=False)
    assert client.get(reverse("policy", args=["privacy"])).status_code == 404
    assert client.get(reverse("policy", args=["no-such-page"])).status_code == 404


def test_the_markup_makes_paragraphs_headings_and_lists():
    html = render_plain("First line\nsecond line\n\n## Heading\nText after\n- one\n- two\n\nEnd")
    assert html == (
        "<p>First line<br>second line</p>\n<h2>Heading</h2>\n<p>Text after</p>\n"
        "<ul><li>one</li><li>two</li></ul>\n<p>End</p>"
    )


def test_an_admin_edits_a_policy_page_and_the_page_shows_it(client):
    client.force_login(clinic_admin_user(is_superuser=True))
    page = PolicyPage.objects.get(slug="accessibility")
    resp = client.post(
        reverse("admin:clinic_policypage_change", args=[page.pk]),
        {"title": "Access", "slug": "accessibility", "summary": "", "body": "Step-free.", "published": "on"},
    )
    assert resp.status_code == 302
    assert "<p>Step-free.</p>" in client.get(reverse("policy", args=["accessibility"])).content.decode()
