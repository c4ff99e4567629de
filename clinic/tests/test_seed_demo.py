from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from bookings import selectors
from bookings.models import Appointment, Service
from bookings.reminders import REMINDER
from clinic.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from clinic.licences import LICENCE_EXPIRING, licence_alert_at
from clinic.models import ClinicProfile, Licence, Therapist, User
from clinic.outbox.models import OutboxMessage
from clinic.outbox.models import Status as MessageStatus
from clinic.tasks import licence_expiry_alert
from clinic.tests.factories import totp_code

pytestmark = pytest.mark.django_db


def snapshot():
    return sorted(
        (u.email, u.password, u.is_staff, tuple(sorted(g.name for g in u.groups.all())))
        for u in User.objects.prefetch_related("groups")
    )


def test_seed_demo_creates_an_account_for_each_role_and_prints_passwords(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "psoas-demo-2026" in out
    for role in ("Therapists", "Front desk", "Clinic admins"):
        assert User.objects.filter(groups=Group.objects.get(name=role)).exists()
    assert User.objects.get(email="patient@clinic.example").check_password("psoas-demo-2026")


def test_demo_staff_sign_in_with_the_documented_second_factor(client, capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert DEMO_TOTP_SECRET in out
    assert DEMO_TOTP_SECRET in (Path(settings.BASE_DIR) / "README.md").read_text()
    staff = User.objects.filter(Q(groups__isnull=False) | Q(is_staff=True)).distinct()
    assert staff.count() >= 5
    for user in staff:
        assert (
            Authenticator.objects.get(user=user, type="totp")
            .wrap()
            .validate_code(totp_code(DEMO_TOTP_SECRET))
        ), user.email
    assert not Authenticator.objects.filter(user__email="patient@clinic.example").exists()
    with time_machine.travel("2026-06-01 08:00:05Z", tick=False):
        call_command("demo_code")
        assert capsys.readouterr().out.split()[0] == totp_code(DEMO_TOTP_SECRET)
    resp = client.post(
        reverse("account_login"), {"login": "therapist@clinic.example", "password": DEMO_PASSWORD}
    )
    assert resp["Location"] == reverse("mfa_authenticate")


def test_seed_demo_gives_staff_seeded_earlier_their_second_factor():
    call_command("seed_demo")
    Authenticator.objects.filter(user__email="frontdesk@clinic.example").delete()
    call_command("seed_demo")
    assert Authenticator.objects.filter(user__email="frontdesk@clinic.example", type="totp").exists()


def test_seed_demo_twice_changes_nothing():
    call_command("seed_demo")
    first = snapshot()
    call_command("seed_demo")
    assert snapshot() == first


def test_seed_demo_builds_a_bookable_clinic():
    call_command("seed_demo")
    assert Therapist.objects.count() >= 3
    assert set(Service.objects.values_list("slug", flat=True)) >= {
        "first-consultation",
        "psoas-release-30",
        "psoas-release-60",
        "psoas-release-90",
    }
    soon = timezone.localdate() + timedelta(days=60)
    assert Licence.objects.filter(expires_on__lte=soon).exists()
    service = Service.objects.get(slug="psoas-release-60")
    slots = selectors.free_slots(
        service=service, therapist=None, first_day=timezone.localdate() + timedelta(days=2), days=7
    )
    assert len({s.therapist_id for s in slots}) >= 3


def test_seed_demo_has_patients_for_each_screening_outcome():
    call_command("seed_demo")
    outcomes = {
        a.patient.email: (a.status, a.screening.outcome)
        for a in Appointment.objects.select_related("patient", "screening")
    }
    assert outcomes["clear.patient@clinic.example"] == ("confirmed", "clear")
    assert outcomes["relative.patient@clinic.example"] == ("pending_review", "review")
    assert outcomes["absolute.patient@clinic.example"] == ("pending_review", "blocked_pending_clearance")
    assert outcomes["urgent.patient@clinic.example"] == ("refused", "urgent")
    count = Appointment.objects.count()
    call_command("seed_demo")
    assert Appointment.objects.count() == count


def test_seed_demo_leaves_reminders_and_a_licence_alert_for_the_worker(deferred_tasks):
    with deferred_tasks.committed():
        call_command("seed_demo")
    reminders = OutboxMessage.objects.filter(kind=REMINDER, status=MessageStatus.PENDING)
    assert reminders.count() >= 2
    # The follow-up visit's reminder falls due soon after seeding (in minutes on a weekday).
    assert timezone.now() < min(r.due_at for r in reminders) < timezone.now() + timedelta(days=3)
    assert len(deferred_tasks.pending(licence_expiry_alert)) == Licence.objects.count()
    # One demo licence expires in 30 days: its alert is due at 09:00 clinic time today, so a worker started
    # with the demo sends it at once after 09:00 and at 09:00 when seeded earlier in the day.
    soonest = Licence.objects.order_by("expires_on").first()
    ran = deferred_tasks.run_due(at=max(timezone.now(), licence_alert_at(soonest.expires_on)))
    assert "queued" in ran["licence_expiry_alert"]
    assert OutboxMessage.objects.filter(kind=LICENCE_EXPIRING, status=MessageStatus.SENT).exists()


def test_seed_demo_fills_in_the_clinic_profile_once_and_keeps_an_admins_edits():
    call_command("seed_demo")
    profile = ClinicProfile.get()
    assert profile.phone and profile.address_lines
    profile.phone = "020 7946 0999"
    profile.save()
    call_command("seed_demo")
    assert ClinicProfile.objects.get().phone == "020 7946 0999"


def test_seed_demo_gives_the_public_pages_something_to_show(client):
    """Issue 14: a profile without a logo but with contact details and hours, therapists with bios and
    qualifications, and a price on every service."""
    call_command("seed_demo")
    profile = ClinicProfile.objects.get()
    assert not profile.logo
    assert profile.phone and profile.opening_hours and profile.directions and profile.about
    for therapist in Therapist.objects.all():
        assert len(therapist.bio) > 150 and len(therapist.qualification_lines) >= 2, therapist
    assert not Service.objects.filter(price__lte=0).exists()
    page = client.get(reverse("bookings:therapists")).content.decode()
    assert "Licensed (osteopath, valid until" in page


def test_seed_demo_fills_in_qualifications_of_therapists_seeded_before_them():
    call_command("seed_demo")
    Therapist.objects.update(qualifications="", bio="Short.")
    call_command("seed_demo")
    assert all(t.qualification_lines and t.bio != "Short." for t in Therapist.objects.all())
    edited = Therapist.objects.first()
    edited.bio = "Written by the clinic."
    edited.save()
    call_command("seed_demo")
    edited.refresh_from_db()
    assert edited.bio == "Written by the clinic."
