"""The patient's clinical record: intakes, check-ins, screening rules and their results.

This is health data. Only the patient, the therapist of one of the patient's appointments and clinic
admins may read answers; front desk sees the screening outcome, never the answers.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from bookings.models import Appointment
from techniques.models import Contraindication


class Severity(models.TextChoices):
    URGENT = "urgent", "Urgent (absolute): refuse and send to urgent care"
    ABSOLUTE = "absolute", "Absolute: hold for review and medical clearance"
    RELATIVE = "relative", "Relative: therapist reviews before the session"
    INFO = "info", "Information for the therapist"


SEVERITY_RANK = {Severity.INFO: 1, Severity.RELATIVE: 2, Severity.ABSOLUTE: 3, Severity.URGENT: 4}


class Condition(models.TextChoices):
    YES = "yes", "The answer is yes"
    NO = "no", "The answer is no"
    GTE = "gte", "The number is at least the threshold"
    WITHIN_DAYS = "within_days", "The date is within the threshold's days before the appointment"
    IN = "in", "The choice is one of the listed values"
    NOT_EMPTY = "not_empty", "Any text was given"
    COMPUTED = "computed", "Computed from several answers"


class AnswerType(models.TextChoices):
    YES_NO = "yes_no", "Yes / no"
    NUMBER = "number", "Number"
    DATE = "date", "Date"
    CHOICE = "choice", "Choice"
    TEXT = "text", "Text"


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
    answer_type = models.CharField(max_length=10, choices=AnswerType.choices, default=AnswerType.YES_NO)
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
            ),
            models.CheckConstraint(
                condition=~Q(condition="computed") | ~Q(computed=""), name="screening_rule_computation_needed"
            ),
        ]

    def __str__(self) -> str:
        return self.key


class Intake(models.Model):
    """A patient's full questionnaire. Valid for the policy's number of months once submitted."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

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

    class Meta:
        ordering = ["-created_at"]
        constraints = [
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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} for appointment {self.appointment_id}"


class StaffAlert(models.Model):
    """Something staff must see at once (an urgent screening). Shown on the staff pages and emailed."""

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="alerts")
    message = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.message
