"""The people and records the access matrix (`test_access_matrix.py`) walks every route with.

Patient A has an appointment in every state a page cares about, with Priya Shah (the therapist of A);
patient B has one with Tom Reyes (the other therapist). Each role is one column of the table in
`access_table.py`; the objects of A are what B and the other therapist must not reach.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.usersessions.models import UserSession
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bookings.feed.services import calendar_feed_issue
from bookings.models import Closure, Status, TimeOff, WeeklyHours
from bookings.tests.factories import AppointmentFactory, ServiceFactory, bookable_therapist
from clinic.audit.models import AccessEvent, AccessKind
from clinic.models import ClinicPolicy, ClinicProfile, Licence, LicenceType, PolicyPage
from clinic.outbox.models import OutboxMessage
from clinic.rights.services import patient_erase
from clinic.tests.factories import UserFactory, clinic_admin_user, front_desk_user
from clinic.tests.images import png_upload
from intake.models import (
    CheckIn,
    ClearanceLetter,
    Decision,
    HomeCarePlan,
    Intake,
    Outcome,
    ReviewDecision,
    RuleSet,
    ScreeningRule,
    StaffAlert,
)
from intake.tests.plan_fixtures import screen
from techniques.models import Contraindication, Technique

# The table's columns, in order.
ROLES = ("anon", "a", "b", "ther_a", "ther_x", "desk", "admin", "super")
ROLE_TITLES = {
    "anon": "anonymous",
    "a": "patient A",
    "b": "patient B",
    "ther_a": "therapist of A",
    "ther_x": "other therapist",
    "desk": "front desk",
    "admin": "clinic admin",
    "super": "superuser",
}


@dataclass
class World:
    users: dict  # role -> User, None for anonymous
    objects: dict  # name -> model instance (A's records, and a few shared ones)
    # model label -> the row its admin change, delete and history pages open (A's, where it has one)
    admin_objects: dict[str, str]
    # path parameter -> {object name: value}: every object of A a parameter can point at
    of_a: dict[str, dict[str, str]]
    slugs: dict[str, str]
    # other path parameters: values that reach the page (or, for a key or token, a refusal)
    fixed: dict[str, str]


def build_world() -> World:
    ClinicPolicy.get()
    service = ServiceFactory(slug="psoas-60")
    ther_a = bookable_therapist(service, display_name="Priya Shah")
    ther_x = bookable_therapist(service, display_name="Tom Reyes")
    a = UserFactory(email="patient.a@example.org", first_name="Alex", last_name="Ash")
    b = UserFactory(email="patient.b@example.org", first_name="Blair", last_name="Birch")
    now = timezone.now()
    soon = (now + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)

    def appointment(patient, therapist, start, status, **kw):
        return AppointmentFactory(
            patient=patient, therapist=therapist, service=service, start=start, status=status, **kw
        )

    held = appointment(a, ther_a, soon, Status.HELD, hold_expires_at=now + timedelta(hours=1))
    pending = appointment(a, ther_a, soon + timedelta(days=1), Status.PENDING_REVIEW)
    result = screen(pending, outcome=Outcome.BLOCKED, ruled_out={"herniated_disc": ["COB"]})
    decision = ReviewDecision.objects.create(
        result=result, decision=Decision.NEEDS_CLEARANCE, note="Letter please.", decided_by=ther_a.user
    )
    letter = ClearanceLetter(
        appointment=pending,
        content_type="application/pdf",
        original_name="letter.pdf",
        size=20,
        uploaded_by=a,
    )
    letter.file.save("letter.pdf", SimpleUploadedFile("letter.pdf", b"%PDF-1.4\n%%EOF\n"), save=False)
    letter.save()
    done = appointment(a, ther_a, now - timedelta(days=2), Status.CONFIRMED)
    plan = HomeCarePlan.objects.create(patient=a, therapist=ther_a, appointment=done, note="Gently.")
    refused = appointment(a, ther_a, soon + timedelta(days=2), Status.REFUSED)
    alert = StaffAlert.objects.create(
        appointment=refused, kind=StaffAlert.Kind.URGENT, message="Urgent screening: phone the patient."
    )
    b_appointment = appointment(b, ther_x, soon + timedelta(days=4), Status.CONFIRMED)
    intake = Intake.objects.get(patient=a)
    check_in = CheckIn.objects.create(
        patient=a, appointment=done, intake=intake, health_changed=False, unwell_today=False
    )
    email = EmailAddress.objects.create(user=a, email=a.email, primary=True, verified=True)
    message = OutboxMessage.objects.create(
        kind="appointment.confirmed",
        appointment=pending,
        recipient=a.email,
        subject="Your appointment",
        body_text="See you soon.",
        dedupe_key=f"access-matrix-{pending.pk}",
        due_at=now,
        next_attempt_at=now,
    )
    time_off = TimeOff.objects.create(
        therapist=ther_a, start=now + timedelta(days=90), end=now + timedelta(days=91), reason="Course"
    )
    closure = Closure.objects.create(
        first_day=(now + timedelta(days=120)).date(),
        last_day=(now + timedelta(days=121)).date(),
        reason="Bank holiday",
    )
    feed_token = calendar_feed_issue(therapist=ther_a, by=ther_a.user)
    superuser = UserFactory(email="root@example.org", is_superuser=True, is_staff=True)
    closed = patient_erase(patient=UserFactory(email="closed@example.org"), by=superuser)
    profile = ClinicProfile(name="Riverside Manual Therapy")
    profile.logo.save("logo.png", png_upload(), save=False)  # a public image for the media route
    profile.save()
    seen = AccessEvent.objects.create(
        patient=a, actor=ther_a.user, actor_name="Priya Shah", actor_role="Therapist", kind=AccessKind.INTAKE
    )
    browser = UserSession.objects.create(user=a, ip="192.0.2.10", session_key="a" * 32, user_agent="Firefox")
    task = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="clinic.outbox.tasks.outbox_deliver",
        backend_name="default",
        run_after=now,
        exception_class_path="",
        traceback="",
    )
    users = {
        "anon": None,
        "a": a,
        "b": b,
        "ther_a": ther_a.user,
        "ther_x": ther_x.user,
        "desk": front_desk_user(email="desk@example.org"),
        "admin": clinic_admin_user(email="admin@example.org"),
        "super": superuser,
    }
    # The first is the one a route's row is checked with unless it names another (`Row.obj`).
    appointments = {"pending": pending, "held": held, "done": done, "refused": refused}
    return World(
        users=users,
        objects={
            **appointments,
            "result": result,
            "letter": letter,
            "plan": plan,
            "alert": alert,
            "b_appointment": b_appointment,
            "service": service,
            "ther_a": ther_a,
        },
        admin_objects={
            **{  # the clinic's set-up (from migrations and seeds): the first row
                model._meta.label_lower: str(model._default_manager.order_by("pk").first().pk)
                for model in (
                    Group,
                    LicenceType,
                    Licence,
                    ClinicPolicy,
                    Technique,
                    Contraindication,
                    WeeklyHours,
                    ScreeningRule,
                    RuleSet,
                    PolicyPage,
                )
            },
            **{
                label: str(obj.pk)
                for label, obj in {
                    "clinic.user": a,
                    "clinic.therapist": ther_a,
                    "clinic.outboxmessage": message,
                    "account.emailaddress": email,
                    "bookings.appointment": pending,
                    "bookings.service": service,
                    "bookings.timeoff": time_off,
                    "bookings.closure": closure,
                    "intake.intake": intake,
                    "intake.checkin": check_in,
                    "intake.screeningresult": result,
                    "intake.reviewdecision": decision,
                    "intake.clearanceletter": letter,
                    "intake.homecareplan": plan,
                    "intake.staffalert": alert,
                    "django_tasks_database.dbtaskresult": task,
                    "usersessions.usersession": browser,
                    "clinic.erasurerecord": closed,
                    "clinic.accessevent": seen,
                    "clinic.clinicprofile": profile,
                    "auditlog.logentry": LogEntry.objects.get_for_object(pending).first(),
                    "mfa.authenticator": Authenticator.objects.filter(user=ther_a.user).first(),
                }.items()
            },
        },
        of_a={
            "pk": {name: str(obj.pk) for name, obj in appointments.items()},
            "appointment_id": {name: str(obj.pk) for name, obj in appointments.items()},
            "result_id": {"result": str(result.pk)},
            "letter_id": {"letter": str(letter.pk)},
            "alert_id": {"alert": str(alert.pk)},
            "patient_id": {"a": str(a.pk)},
        },
        slugs={
            "techniques": Technique.objects.published().first().slug,
            "policy": "cancellation",  # a policy page (clinic's migration writes the first versions)
            "default": service.slug,
        },
        fixed={
            "index": "0",  # the health form's first step
            "key": "no-such-key",  # email confirmation and password reset keys
            "uidb36": "1",
            "app_label": "clinic",
            "content_type_id": "1",
            "object_id": "1",
            "url": "no-such-page/",
            "token": feed_token,  # the therapist of A's calendar link: the address is the key
            "therapist_id": str(ther_a.pk),  # a therapist's public page
            "path": profile.logo.name,  # a public image (the media route)
        },
    )
