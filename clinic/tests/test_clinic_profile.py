"""Issue 12: the clinic's name, address and phone are edited in the admin (one row) and shown in every
page's footer and every email. Without a profile the CLINIC_NAME setting names the clinic."""

from __future__ import annotations

import pytest
from auditlog.models import LogEntry
from django.db import IntegrityError, transaction
from django.urls import reverse

from clinic.models import ClinicProfile
from clinic.outbox.emails import email_subject, render_email
from clinic.tests.emails import PROFILE
from clinic.tests.factories import clinic_admin_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def profile():
    profile = ClinicProfile(**PROFILE)
    profile.save()
    return profile


def test_without_a_profile_the_clinic_name_setting_names_the_clinic(client, settings):
    settings.CLINIC_NAME = "Fallback Clinic"
    page = client.get(reverse("home")).content.decode()
    assert "<title>Psoas Release Treatment · Fallback Clinic</title>" in page
    assert 'id="clinic-contact"' not in page  # no phone or email to show yet
    text, html = render_email("clinic/email/base", {})
    assert "Fallback Clinic" in text and "Fallback Clinic" in html
    assert email_subject("Hello") == "Hello - Fallback Clinic"


def test_a_blank_name_in_the_profile_falls_back_to_the_setting(settings, profile):
    settings.CLINIC_NAME = "Fallback Clinic"
    profile.name = "  "
    profile.save()
    assert ClinicProfile.get().display_name == "Fallback Clinic"


def test_the_footer_shows_the_clinics_name_address_phone_and_email(client, profile):
    page = client.get(reverse("home")).content.decode()
    assert "<address" in page and "14 Riverside Walk<br>London<br>SE1 9ZZ" in page
    assert '<a href="tel:02079460321">020 7946 0321</a>' in page
    assert '<a href="mailto:hello@clinic.example">hello@clinic.example</a>' in page


def test_an_admin_edits_the_profile_and_the_pages_show_it(client, profile):
    client.force_login(clinic_admin_user(is_superuser=True))
    data = {
        "name": "Riverside Manual Therapy",
        "address": "2 Mill Lane\nOxford",
        "phone": "+44 1865 000 111",
        "email": "desk@clinic.example",
        "opening_hours": "Weekdays 8 to 6",
        "directions": "Bus 5 to Mill Lane.",
        "about": "A small clinic.",
    }
    resp = client.post(reverse("admin:clinic_clinicprofile_change", args=[1]), data)
    assert resp.status_code == 302
    page = client.get(reverse("home")).content.decode()
    assert "2 Mill Lane<br>Oxford" in page
    assert '<a href="tel:+441865000111">+44 1865 000 111</a>' in page


def test_a_phone_number_with_letters_is_refused_with_a_message(client, profile):
    client.force_login(clinic_admin_user(is_superuser=True))
    data = {"name": "Riverside", "address": "", "phone": "call us", "email": ""}
    resp = client.post(reverse("admin:clinic_clinicprofile_change", args=[1]), data)
    assert resp.status_code == 200
    assert "Write the number with digits" in resp.content.decode()
    assert ClinicProfile.objects.get().phone == PROFILE["phone"]


def test_the_clinic_has_one_profile(profile):
    with pytest.raises(IntegrityError), transaction.atomic():
        ClinicProfile.objects.bulk_create([ClinicProfile(id=2, name="Second clinic")])
    again = ClinicProfile(name="Saved again")
    again.save()  # saving a new one changes the one row
    assert list(ClinicProfile.objects.values_list("pk", "name")) == [(1, "Saved again")]


def test_the_admin_offers_to_add_a_profile_only_while_there_is_none(client):
    client.force_login(clinic_admin_user(is_superuser=True))
    assert client.get(reverse("admin:clinic_clinicprofile_add")).status_code == 200
    ClinicProfile(**PROFILE).save()
    assert client.get(reverse("admin:clinic_clinicprofile_add")).status_code == 403


def test_an_admins_change_to_the_profile_is_on_the_change_trail(client, profile):
    admin = clinic_admin_user(is_superuser=True)
    client.force_login(admin)
    data = {**PROFILE, "phone": "020 7946 0999", "opening_hours": "", "directions": "", "about": ""}
    assert client.post(reverse("admin:clinic_clinicprofile_change", args=[1]), data).status_code == 302
    entry = LogEntry.objects.get_for_object(profile).order_by("timestamp").last()
    assert entry.changes_dict["phone"] == [PROFILE["phone"], "020 7946 0999"]
    assert entry.actor == admin
