"""Every staff read of a patient's health data writes one access event in the same request (who, whose,
what, when, from where), through the permission layer; a patient's own reads are not staff access.

The routes come from the URL resolver: each is either a health read (in HEALTH_READS, requested here) or
says why it is not (NOT_HEALTH_READS), so a new route cannot slip past; every view that shows health
data is marked `@reads_health_data`, which refuses to show a page it did not record."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from bookings.tests.factories import bookable_therapist
from clinic.audit.access import reads_health_data, record_access
from clinic.audit.admin import RecordsAccessAdmin
from clinic.audit.models import AccessEvent, AccessKind
from clinic.audit.trail import is_about_a_patient
from clinic.tests.factories import UserFactory, clinic_admin_user, front_desk_user
from clinic.tests.routes import all_routes
from intake.models import CheckIn, ClearanceLetter, Decision, HomeCarePlan, ReviewDecision, StaffAlert

from .plan_fixtures import book
from .review_fixtures import at

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def world(case, sam, therapist, service):
    """Sam's flagged booking with Priya on 3 June (the `case`), with a doctor's letter, an open alert, a
    decision, a check-in and a home-care plan, and the staff who read them."""
    appointment = case.appointment
    letter = ClearanceLetter(
        appointment=appointment,
        content_type="application/pdf",
        original_name="l.pdf",
        size=20,
        uploaded_by=sam,
    )
    letter.file.save("l.pdf", SimpleUploadedFile("l.pdf", b"%PDF-1.4\n%%EOF\n"), save=False)
    letter.save()
    alert = StaffAlert.objects.create(appointment=appointment, kind=StaffAlert.Kind.OTHER, message="Call Sam")
    ReviewDecision.objects.create(
        result=case, decision=Decision.NEEDS_CLEARANCE, note="Letter please.", decided_by=therapist.user
    )
    CheckIn.objects.create(
        patient=sam, appointment=appointment, intake=case.intake, health_changed=False, unwell_today=False
    )
    HomeCarePlan.objects.create(patient=sam, therapist=therapist, appointment=appointment, note="Gently.")
    return {
        "case": case,
        "appointment": appointment,
        "letter": letter,
        "alert": alert,
        "sam": sam,
        "therapist": therapist.user,
        "front_desk": front_desk_user(first_name="Dana", last_name="Desk"),
        "clinic_admin": clinic_admin_user(first_name="Alex", last_name="Admin"),
    }


# route name -> (who reads, the path's arguments from the world, the query string, the kind recorded)
HEALTH_READS = {
    "intake:patient-intake": ("therapist", lambda w: [w["sam"].pk], "", AccessKind.INTAKE),
    "intake:review-case": ("therapist", lambda w: [w["case"].pk], "", AccessKind.CASE),
    "intake:review-clearance-download": ("therapist", lambda w: [w["letter"].pk], "", AccessKind.LETTER),
    "intake:alert": ("front_desk", lambda w: [w["alert"].pk], "", AccessKind.ALERT),
    "intake:therapist-day": ("therapist", lambda w: [], "?date=2026-06-03", AccessKind.DAY),
    "intake:review-queue": ("therapist", lambda w: [], "", AccessKind.QUEUE),
    "intake:plan-assign": ("therapist", lambda w: [w["appointment"].pk], "", AccessKind.PLAN),
    "bookings:appointment-detail": (
        "front_desk",
        lambda w: [w["appointment"].pk],
        "",
        AccessKind.APPOINTMENT,
    ),
}

NOT_HEALTH_READS = {
    "home": "public",
    "staff-dashboard": "links and panels; its open alerts and the cases waiting record each patient shown "
    "(see the alert test below and intake/tests/test_staff_dashboard.py)",
    "record-access": "the patient's own access log",
    "account": "the signed-in person's own account and second factor",
    "account-logout-elsewhere": "ends the person's own other sessions; shows nothing",
    "account-logout-everywhere": "ends all of the person's own sessions; shows nothing",
    "rights:my-data": "the patient's own export",
    "rights:my-data-download": "the patient's own export",
    "rights:close-account": "the patient's own account",
    "techniques:catalogue": "public",
    "techniques:detail": "public",
    "contact": "public",
    "policy": "public",
    "media": "public",  # the logo and therapists' photos; clinical uploads are never under a URL
    "bookings:services": "public",
    "bookings:therapists": "public",
    "bookings:therapist-detail": "public",
    "bookings:service-list": "booking",
    "bookings:service-slots": "booking",
    "bookings:hold": "booking",
    "bookings:hold-resume": "booking",
    "bookings:appointment-list": "the patient's own appointments",
    "bookings:appointment-cancel": "asks before cancelling: the time and therapist, no health data",
    "bookings:appointment-reschedule": "the patient's or front desk's move: times, no health data",
    "bookings:appointment-ics": "a calendar file: time and place only",
    "bookings:front-desk-day": "booking statuses only, never a screening result or an answer",
    "bookings:front-desk-book": "booking for a patient: names and times",
    "bookings:patient-search": "names, contact details, birthdays and the next visit's time; no health data",
    "bookings:patient-register": "the desk records who a patient is; no health data",
    "bookings:appointment-arrived": "a change (on the change trail), no page",
    "bookings:my-calendar-feed": "the therapist's own calendar link",
    "bookings:my-calendar-feed-new": "the therapist's own calendar link",
    "bookings:my-calendar-feed-off": "the therapist's own calendar link",
    "bookings:calendar-feed": "times and a first name and initial, no health data; read by a calendar app with "
    "the link's token, with nobody signed in to record",
    "intake:mine": "the patient's own",
    "intake:update": "the patient's own",
    "intake:step": "the patient's own",
    "intake:check-answers": "the patient's own",
    "intake:appointment-start": "the patient's own",
    "intake:check-in": "the patient's own",
    "intake:outcome": "the patient's own",
    "intake:review-status": "the patient's own",
    "intake:review-clearance-upload": "the patient's own",
    "intake:therapist-mark": "a change (on the change trail); its htmx answer, the row again, records "
    "its read as the day list does",
    "intake:my-plans": "the patient's own",
    "intake:kiosk-start": "whether a health form or check-in is due for a visit, never an answer",
    "intake:kiosk": "the clinic tablet's code box: nothing of anyone",
    "intake:kiosk-form": "the patient's own, on the clinic tablet, with nobody signed in",
    "intake:kiosk-step": "the patient's own, on the clinic tablet, with nobody signed in",
    "intake:kiosk-check": "the patient's own, on the clinic tablet, with nobody signed in",
    "intake:kiosk-check-in": "the patient's own, on the clinic tablet, with nobody signed in",
    "intake:kiosk-stop": "ends the clinic tablet's form: nothing shown",
    "intake:kiosk-done": "a neutral page: nothing of anyone",
}


def app_routes():
    """Our pages, from the shared route walk: every route but the admin (its own test below), allauth's
    account pages and the API (the signed-in patient's own bookings only)."""
    return [
        (route.key, route.callback)
        for route in all_routes()
        if route.path_prefix not in ("admin/", "accounts/", "api/")
    ]


def test_every_route_is_either_a_recorded_health_read_or_says_why_not():
    routes = dict(app_routes())
    unclassified = set(routes) - set(HEALTH_READS) - set(NOT_HEALTH_READS)
    assert not unclassified, (
        f"Classify these routes in HEALTH_READS or NOT_HEALTH_READS: {sorted(unclassified)}"
    )
    marked = {name for name, callback in routes.items() if getattr(callback, "reads_health_data", False)}
    assert marked == set(HEALTH_READS), "a health read's view is marked @reads_health_data, and only those"


def test_every_admin_of_a_record_about_a_patient_records_its_reads():
    about_patients = [model for model in admin.site._registry if is_about_a_patient(model)]
    assert len(about_patients) >= 8
    for model in about_patients:
        assert isinstance(admin.site._registry[model], RecordsAccessAdmin), model


@pytest.mark.parametrize("name", sorted(HEALTH_READS))
def test_each_staff_read_records_one_access_event(client, world, name):
    who, args, query, kind = HEALTH_READS[name]
    reader = world[who]
    client.force_login(reader)
    response = client.get(
        reverse(name, args=args(world)) + query, REMOTE_ADDR="198.51.100.23", HTTP_USER_AGENT="Firefox/140"
    )
    assert response.status_code == 200
    if response.streaming:
        b"".join(response.streaming_content)
    (event,) = AccessEvent.objects.filter(kind=kind)
    assert event.patient == world["sam"]
    assert event.actor == reader
    assert event.ip_address == "198.51.100.23"
    assert event.user_agent == "Firefox/140"
    assert event.path == reverse(name, args=args(world))
    assert event.object_id


def test_the_reader_is_named_as_the_patient_will_see_them(client, world):
    client.force_login(world["therapist"])
    client.get(reverse("intake:review-case", args=[world["case"].pk]))
    event = AccessEvent.objects.get(kind=AccessKind.CASE)
    assert (event.actor_name, event.actor_role) == ("Priya Shah", "Therapist")
    assert (event.object_type, event.object_id) == ("intake.screeningresult", str(world["case"].pk))


def test_a_decision_posted_on_the_case_page_records_the_read_once(client, world):
    client.force_login(world["clinic_admin"])
    response = client.post(
        reverse("intake:review-case", args=[world["case"].pk]),
        {"decision": "", "note": "", "expected_last_decision": ""},
    )
    assert response.status_code == 400
    (event,) = AccessEvent.objects.all()
    assert (event.kind, event.actor_role) == (AccessKind.CASE, "Clinic admin")


def test_the_patient_s_own_reads_are_not_staff_access(client, world):
    sam, appointment = world["sam"], world["appointment"]
    client.force_login(sam)
    for url in (
        reverse("intake:mine"),
        reverse("intake:review-status", args=[appointment.pk]),
        reverse("intake:outcome", args=[appointment.pk]),
        reverse("intake:my-plans"),
        reverse("bookings:appointment-detail", args=[appointment.pk]),
        reverse("intake:review-clearance-download", args=[world["letter"].pk]),
        reverse("record-access"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        if response.streaming:
            b"".join(response.streaming_content)
    assert not AccessEvent.objects.exists()


def test_a_stranger_is_refused_and_nothing_is_recorded(client, world, service):
    client.force_login(bookable_therapist(service).user)
    for name in (
        "intake:patient-intake",
        "intake:review-case",
        "intake:review-clearance-download",
        "intake:alert",
    ):
        _, args, query, _ = HEALTH_READS[name]
        assert client.get(reverse(name, args=args(world)) + query).status_code == 404, name
    assert not AccessEvent.objects.exists()


def test_the_therapist_s_day_records_each_patient_shown_once(client, world, therapist, service):
    robin = UserFactory()
    book(therapist, robin, at(3, 14), service=service)
    book(therapist, world["sam"], at(3, 16), service=service)
    client.force_login(world["therapist"])
    client.get(reverse("intake:therapist-day") + "?date=2026-06-03")
    day_reads = AccessEvent.objects.filter(kind=AccessKind.DAY)
    assert sorted(day_reads.values_list("patient_id", flat=True)) == sorted([world["sam"].pk, robin.pk])
    # Sam's open alert is shown first on the day too, and recorded as an alert read.
    assert list(AccessEvent.objects.filter(kind=AccessKind.ALERT).values_list("patient_id", flat=True)) == [
        world["sam"].pk
    ]
    client.get(reverse("intake:therapist-day") + "?date=2026-06-20")  # a day without sessions
    assert day_reads.count() == 2


def test_the_open_alerts_shown_on_the_staff_dashboard_are_recorded(client, world):
    client.force_login(world["front_desk"])
    assert "Call Sam" in client.get(reverse("staff-dashboard")).content.decode()
    (event,) = AccessEvent.objects.all()
    assert (event.kind, event.patient, event.actor_name) == (AccessKind.ALERT, world["sam"], "Dana Desk")


@pytest.mark.parametrize(
    "model", sorted((m for m in admin.site._registry if is_about_a_patient(m)), key=lambda m: m._meta.label)
)
def test_admin_list_and_record_pages_of_a_patient_record_are_recorded(client, world, model):
    client.force_login(world["clinic_admin"])
    opts = model._meta
    listed = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert listed.status_code == 200
    events = AccessEvent.objects.filter(
        kind=AccessKind.ADMIN_LIST, patient=world["sam"], actor=world["clinic_admin"]
    )
    assert events.count() == 1
    row = model._default_manager.order_by("pk").first()
    page = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[row.pk]))
    assert page.status_code == 200
    (event,) = AccessEvent.objects.filter(kind=AccessKind.ADMIN_VIEW)
    assert (event.object_type, event.object_id, event.patient) == (
        opts.label_lower,
        str(row.pk),
        world["sam"],
    )


def test_the_address_is_the_proxy_aware_client_address(client, world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    client.force_login(world["therapist"])
    client.get(
        reverse("intake:patient-intake", args=[world["sam"].pk]),
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.40",
    )
    assert AccessEvent.objects.get().ip_address == "203.0.113.40"


def test_a_health_data_view_that_records_nothing_refuses_to_show_its_page(world):
    @reads_health_data
    def forgetful(request):
        return HttpResponse("Sam's answers")

    @reads_health_data
    def careful(request):
        record_access(request, kind=AccessKind.CASE, records=[world["case"]])
        return HttpResponse("Sam's answers")

    request = RequestFactory().get("/staff/new-page/")
    request.user = world["therapist"]
    with pytest.raises(ImproperlyConfigured, match="without recording"):
        forgetful(request)
    request = RequestFactory().get("/staff/new-page/")
    request.user = world["therapist"]
    assert careful(request).status_code == 200
    assert AccessEvent.objects.count() == 1
