"""The patient's clinical record: intakes, check-ins, screening rules and their results.

This is health data. Only the patient, the therapist of one of the patient's appointments and clinic
admins may read answers; front desk sees the screening outcome, never the answers.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import timezone

from bookings.models import Appointment
from techniques.models import Contraindication

# Length limits of clinical free text (forms, services and the database all hold them).
DECISION_NOTE_MAX_LENGTH = 4000
PLAN_NOTE_MAX_LENGTH = 2000
OVERRIDE_REASON_MAX_LENGTH = 1000


def private_storage():
    """Clinical uploads live under PRIVATE_MEDIA_ROOT, outside STATIC and any served media path."""
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


class Severity(models.TextChoices):
    URGENT = "urgent", "Urgent (absolute): refuse and send to urgent care"
    ABSOLUTE = "absolute", "Absolute: hold for review and medical clearance"
    RELATIVE = "relative", "Relative: therapist reviews before the session"
    INFO = "info", "Information for the therapist"


class Condition(models.TextChoices):
    YES = "yes", "The answer is yes"
    NO = "no", "The answer is no"
    GTE = "gte", "The number is at least the threshold"
    WITHIN_DAYS = "within_days", "The date is within the threshold's days before the appointment"
    IN = "in", "The choice is one of the listed values"
    NOT_EMPTY = "not_empty", "Any text was given"
    COMPUTED = "computed", "Computed from several answers"


class Outcome(models.TextChoices):
    CLEAR = "clear", "Clear"
    REVIEW = "review", "Therapist review"
    BLOCKED = "blocked_pending_clearance", "Held for medical clearance"
    URGENT = "urgent", "Urgent: refused"


class RuleSet(models.Model):
    """A version of the whole rule set. Every edit of a rule makes a new one; `snapshot` keeps the rules
    as they were, so an old result can still be explained."""

    version = models.PositiveIntegerField(unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    snapshot = models.JSONField(default=list)

    class Meta:
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"Rule set v{self.version}"


class ScreeningRule(models.Model):
    key = models.SlugField(max_length=60, unique=True)
    question_key = models.SlugField(max_length=60, help_text="The answer this rule reads.")
    question = models.CharField(max_length=300, help_text="The question as the patient reads it.")
    condition = models.CharField(max_length=12, choices=Condition.choices, default=Condition.YES)
    threshold = models.IntegerField(
        null=True,
        blank=True,
        help_text="N for 'at least N', days for a date window, the age for a computed rule.",
    )
    values = models.CharField(
        max_length=200, blank=True, help_text="Comma-separated values for a choice rule."
    )
    computed = models.CharField(
        max_length=40, blank=True, help_text="Name of the computation, for computed rules."
    )
    requires_yes = models.SlugField(
        max_length=60,
        blank=True,
        help_text="Applies only when this other answer is yes (follow-up questions).",
    )
    severity = models.CharField(max_length=10, choices=Severity.choices)
    staff_action = models.CharField(max_length=300)
    patient_message = models.TextField(blank=True)
    contraindication = models.ForeignKey(
        Contraindication, null=True, blank=True, on_delete=models.PROTECT, related_name="screening_rules"
    )
    per_visit = models.BooleanField(default=False, help_text="Asked before every visit (the check-in).")
    active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "key"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(condition__in=["gte", "within_days"]) | Q(threshold__isnull=False),
                name="screening_rule_threshold_needed",
                violation_error_message="A rule that compares a number or a date needs a threshold.",
            ),
            models.CheckConstraint(
                condition=~Q(condition="computed") | ~Q(computed=""),
                name="screening_rule_computation_needed",
                violation_error_message="A computed rule needs the name of its computation.",
            ),
        ]

    def __str__(self) -> str:
        return self.key


class IntakeStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"


class IntakeQuerySet(models.QuerySet):
    def submitted_by(self, patient):
        """The patient's sent forms, newest first."""
        return self.filter(patient=patient, status=IntakeStatus.SUBMITTED).order_by("-submitted_at")


class Intake(models.Model):
    """A patient's full questionnaire. Valid for the policy's number of months once submitted."""

    Status = IntakeStatus

    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="intakes")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    answers = models.JSONField(default=dict, blank=True)
    step = models.PositiveSmallIntegerField(default=0, help_text="The last step the patient saved.")
    signature_name = models.CharField(max_length=200, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    guardian_name = models.CharField(max_length=200, blank=True)
    guardian_signature = models.CharField(max_length=200, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IntakeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=IntakeStatus.values), name="intake_status_valid"),
            models.UniqueConstraint(
                fields=["patient"], condition=Q(status="draft"), name="intake_one_draft_per_patient"
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | (Q(submitted_at__isnull=False) & ~Q(signature_name="")),
                name="intake_submitted_is_signed",
            ),
        ]
        permissions = [("view_intake_answers", "Can read intake answers of any patient")]

    def __str__(self) -> str:
        return f"Intake of {self.patient} ({self.status})"

    def get_additional_data(self) -> dict:  # the change trail's hook (clinic.audit.trail)
        return {"patient": self.patient_id}


class CheckIn(models.Model):
    """The short questions before each visit, for a patient whose intake is still valid."""

    patient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="check_ins")
    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="check_in")
    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="check_ins")
    health_changed = models.BooleanField()
    unwell_today = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Check-in for appointment {self.appointment_id}"

    def get_additional_data(self) -> dict:  # the change trail's hook (clinic.audit.trail)
        return {"patient": self.patient_id}


class ScreeningResult(models.Model):
    """The engine's verdict for one appointment, with the rule-set version it was judged against."""

    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="screening")
    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="results")
    check_in = models.ForeignKey(
        CheckIn, null=True, blank=True, on_delete=models.PROTECT, related_name="results"
    )
    rule_set = models.ForeignKey(RuleSet, on_delete=models.PROTECT, related_name="results")
    outcome = models.CharField(max_length=30, choices=Outcome.choices)
    flags = models.JSONField(default=list)
    techniques_ruled_out = models.JSONField(default=list)
    screened_on = models.DateField(help_text="The appointment date the time windows were measured to.")
    escalated_at = models.DateTimeField(
        null=True, blank=True, help_text="When an undecided case was escalated to clinic admins."
    )
    screened_at = models.DateTimeField(
        default=timezone.now,
        help_text="When these answers were last screened: a decision older than this is not about them.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome__in=Outcome.values), name="screening_result_outcome_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} for appointment {self.appointment_id}"

    def get_additional_data(self) -> dict:  # the change trail's hook (clinic.audit.trail)
        return {"patient": self.appointment.patient_id}


class StaffAlert(models.Model):
    """Something staff must see at once (an urgent screening). Shown on the staff pages until someone
    acknowledges it with a note of what they did, and emailed."""

    class Kind(models.TextChoices):
        URGENT = "urgent", "Urgent screening"
        OVERDUE = "overdue", "Review overdue"
        RELEASED = "released", "Released unreviewed"
        OTHER = "other", "Other"

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="alerts")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.OTHER)
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    note = models.TextField(blank=True, help_text="What was done, e.g. 'phoned, advised A&E'.")

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment"],
                condition=Q(kind="urgent"),
                name="staff_alert_one_urgent_per_appointment",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_at__isnull=True) | ~Q(note=""),
                name="staff_alert_acknowledged_with_note",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["urgent", "overdue", "released", "other"]),
                name="staff_alert_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.message

    def get_additional_data(self) -> dict:  # the change trail's hook (clinic.audit.trail)
        return {"patient": self.appointment.patient_id}


class Decision(models.TextChoices):
    CLEARED = "cleared", "Cleared"
    CLEARED_WITH_RESTRICTIONS = "cleared_with_restrictions", "Cleared with restrictions"
    NEEDS_CLEARANCE = "needs_clearance", "Needs medical clearance"
    DECLINED = "declined", "Declined and referred"


class ReviewDecision(models.Model):
    """A staff decision on a flagged case. Never edited: a new decision supersedes the last one."""

    result = models.ForeignKey(ScreeningResult, on_delete=models.PROTECT, related_name="decisions")
    decision = models.CharField(max_length=30, choices=Decision.choices)
    note = models.TextField(help_text="Why: required for every decision.")
    restricted_techniques = models.JSONField(default=list, blank=True, help_text="Technique codes to avoid.")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )

    class Meta:
        ordering = ["-decided_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision__in=Decision.values), name="review_decision_decision_valid"
            ),
            models.CheckConstraint(condition=~Q(note=""), name="review_decision_note_required"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("note"), DECISION_NOTE_MAX_LENGTH),
                name="review_decision_note_max_length",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} by {self.decided_by} ({self.decided_at:%Y-%m-%d %H:%M})"

    def get_additional_data(self) -> dict:  # the change trail's hook (clinic.audit.trail)
        return {"patient": self.result.appointment.patient_id}


def clearance_upload_to(instance, filename: str) -> str:
    # The name is ours, never the uploader's: no path tricks, no guessable names.
    return f"clearance/{instance.appointment_id}/{uuid.uuid4().hex}"


class ClearanceLetter(models.Model):
    """A doctor's clearance letter uploaded by the patient. Stored outside any public path and served
    only through a view that checks who is asking."""

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="clearance_letters")
    file = models.FileField(upload_to=clearance_upload_to, storage=private_storage)
    content_type = models.CharField(max_length=40)
    original_name = models.CharField(max_length=200)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at"]
        constraints = [
            models.CheckConstraint(condition=Q(size__lte=10 * 1024 * 1024), name="clearance_letter_max_10mb"),
            models.CheckConstraint(
                condition=Q(content_type__in=["application/pdf", "image/jpeg", "image/png"]),
                name="clearance_letter_allowed_types",
            ),
        ]

    def __str__(self) -> str:
        return f"Clearance letter for appointment {self.appointment_id}"

    def get_additional_data(self) -> dict:  # the change trail's hook (clinic.audit.trail)
        return {"patient": self.appointment.patient_id}


class HomeCarePlan(models.Model):
    """Home-care techniques a therapist assigns after a session."""

    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="home_care_plans"
    )
    therapist = models.ForeignKey(
        "clinic.Therapist", on_delete=models.PROTECT, related_name="home_care_plans"
    )
    appointment = models.ForeignKey(
        Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="home_care_plans"
    )
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("note"), PLAN_NOTE_MAX_LENGTH),
                name="home_care_plan_note_max_length",
            ),
        ]

    def __str__(self) -> str:
        return f"Home-care plan for {self.patient} ({self.created_at:%Y-%m-%d})"

    def get_additional_data(self) -> dict:  # the change trail's hook (clinic.audit.trail)
        return {"patient": self.patient_id}


class PlanItem(models.Model):
    plan = models.ForeignKey(HomeCarePlan, on_delete=models.CASCADE, related_name="items")
    technique = models.ForeignKey("techniques.Technique", on_delete=models.PROTECT, related_name="plan_items")
    hold_seconds = models.PositiveIntegerField(null=True, blank=True)
    repetitions = models.PositiveSmallIntegerField(null=True, blank=True)
    frequency = models.CharField(max_length=100, help_text="e.g. twice a day, every morning")
    note = models.CharField(max_length=300, blank=True)
    override_reason = models.TextField(
        blank=True, help_text="Why a technique ruled out for this patient is assigned anyway."
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan", "technique"], name="plan_item_technique_once"),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("override_reason"), OVERRIDE_REASON_MAX_LENGTH),
                name="plan_item_override_reason_max_length",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.technique} ({self.frequency})"

    def get_additional_data(self) -> dict:  # the change trail's hook (clinic.audit.trail)
        return {"patient": self.plan.patient_id}


class KioskForm(models.TextChoices):
    HEALTH_FORM = "health_form", "Health form"
    CHECK_IN = "check_in", "Check-in"


class KioskPass(models.Model):
    """One patient's health form (or check-in) on a clinic tablet, for one appointment they arrived for.

    The desk starts it and is shown a one-time code; typed on the tablet before `expires_at`, the code
    is spent (`redeemed_at`) and the tablet's session, emptied of anything it held, gets a secret of
    its own (only its hash is here): with it, and until `ends_at` or `finished_at`, the tablet shows this
    patient's form and nothing else. Nobody is signed in on the tablet. Only hashes are stored."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="kiosk_passes")
    form = models.CharField(max_length=20, choices=KioskForm.choices)
    code_hash = models.CharField(max_length=64)
    session_hash = models.CharField(max_length=64, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    redeemed_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # A code is looked up among the passes not spent yet: it names one of them at most.
            models.UniqueConstraint(
                fields=["code_hash"],
                condition=Q(redeemed_at__isnull=True, finished_at__isnull=True),
                name="kiosk_code_unspent_once",
            ),
            models.CheckConstraint(
                condition=Q(expires_at__gt=models.F("created_at")), name="kiosk_expires_after_created"
            ),
            # Spent means bound to one tablet's session, for a limited time.
            models.CheckConstraint(
                condition=Q(redeemed_at__isnull=True) | (Q(ends_at__isnull=False) & ~Q(session_hash="")),
                name="kiosk_redeemed_is_bound",
            ),
        ]

    def __str__(self) -> str:
        return f"Tablet {self.get_form_display().lower()} for appointment {self.appointment_id}"

    def get_additional_data(self) -> dict:  # the change trail's hook (clinic.audit.trail)
        return {"patient": self.appointment.patient_id}
