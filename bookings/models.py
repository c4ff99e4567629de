from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateRangeField, DateTimeRangeField, RangeBoundary, RangeOperators
from django.core.exceptions import ValidationError
from django.db import connections, models
from django.db.models import Func, Q
from django.urls import reverse
from django.utils import timezone

from clinic.models import LicenceType, Therapist

from .querysets import ACTIVE_STATUSES as ACTIVE_STATUSES
from .querysets import INACTIVE_STATUSES as INACTIVE_STATUSES
from .querysets import AppointmentQuerySet, ServiceQuerySet, WeeklyHoursQuerySet
from .querysets import Status as Status

WEEKDAYS = [
    (0, "Monday"),
    (1, "Tuesday"),
    (2, "Wednesday"),
    (3, "Thursday"),
    (4, "Friday"),
    (5, "Saturday"),
    (6, "Sunday"),
]


class TsTzRange(Func):
    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class PostgresExclusionConstraint(ExclusionConstraint):
    """An exclusion constraint that exists only on PostgreSQL.

    On SQLite the same rule is enforced by the booking service inside an IMMEDIATE transaction.
    """

    def _supported(self, schema_editor) -> bool:
        return schema_editor.connection.vendor == "postgresql"

    def constraint_sql(self, model, schema_editor):
        return super().constraint_sql(model, schema_editor) if self._supported(schema_editor) else None

    def create_sql(self, model, schema_editor):
        return super().create_sql(model, schema_editor) if self._supported(schema_editor) else None

    def remove_sql(self, model, schema_editor):
        return super().remove_sql(model, schema_editor) if self._supported(schema_editor) else None

    def validate(self, model, instance, exclude=None, using="default"):
        if connections[using].vendor == "postgresql":
            super().validate(model, instance, exclude=exclude, using=using)


class TsRange(Func):
    """A timestamp range without a zone (the rota's times of day put on one fixed date). Django has no
    field for `tsrange`; it is only ever compared in the database, so the nearest range field does."""

    function = "TSRANGE"
    output_field = DateTimeRangeField()


class OnFixedDay(Func):
    """A time of day as a timestamp on 1 January 2000. PostgreSQL has no range type for times of day;
    `date + time` is immutable, so the result can be indexed."""

    template = "(DATE '2000-01-01' + %(expressions)s)"
    output_field = models.DateTimeField()


class DateRange(Func):
    function = "DATERANGE"
    output_field = DateRangeField()


class Service(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    duration_minutes = models.PositiveSmallIntegerField()
    buffer_minutes = models.PositiveSmallIntegerField(
        default=0, help_text="Time kept free after each appointment (notes, cleaning the room)."
    )
    price = models.DecimalField(max_digits=8, decimal_places=2)
    licence_types = models.ManyToManyField(
        LicenceType, related_name="services", help_text="Licences that allow a therapist to deliver it."
    )
    therapists = models.ManyToManyField(Therapist, related_name="services", blank=True)
    active = models.BooleanField(default=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["duration_minutes", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=480),
                name="service_duration_range",
                violation_error_message="A service lasts between 5 and 480 minutes.",
            ),
            models.CheckConstraint(
                condition=Q(buffer_minutes__lte=240),
                name="service_buffer_range",
                violation_error_message="The time kept free after a service can be at most 240 minutes.",
            ),
            models.CheckConstraint(
                condition=Q(price__gte=0),
                name="service_price_not_negative",
                violation_error_message="The price cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def duration(self) -> timedelta:
        return timedelta(minutes=self.duration_minutes)

    @property
    def buffer(self) -> timedelta:
        return timedelta(minutes=self.buffer_minutes)


class CleanCheckedExclusionConstraint(PostgresExclusionConstraint):
    """An exclusion constraint that model validation leaves to the model's `clean()`, which checks the
    same rule on every database and names what clashes (one message, not two)."""

    def validate(self, model, instance, exclude=None, using="default"):
        return


class WeeklyHours(models.Model):
    """A window of working time on one weekday, in the clinic's local wall-clock time.

    Windows of one therapist on one weekday never overlap while their rota dates overlap: `clean()`
    says so in plain words; on PostgreSQL an exclusion constraint has the final word, and on SQLite the
    admin's check runs inside its IMMEDIATE transaction.
    """

    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="weekly_hours")
    weekday = models.PositiveSmallIntegerField(choices=WEEKDAYS)
    start_time = models.TimeField()
    end_time = models.TimeField()
    valid_from = models.DateField(null=True, blank=True, help_text="First day of this rota (blank: always).")
    valid_to = models.DateField(null=True, blank=True, help_text="Last day of this rota (blank: open-ended).")

    objects = WeeklyHoursQuerySet.as_manager()

    class Meta:
        verbose_name = "weekly hours"
        verbose_name_plural = "weekly hours"
        ordering = ["therapist", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__lte=6),
                name="weekly_hours_weekday_range",
                violation_error_message="Choose a weekday from Monday to Sunday.",
            ),
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")),
                name="weekly_hours_end_after_start",
                violation_error_message="The hours must end after they start.",
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_to__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="weekly_hours_valid_range",
                violation_error_message="The last day of this rota cannot be before its first day.",
            ),
            CleanCheckedExclusionConstraint(
                name="weekly_hours_no_overlap",
                expressions=[
                    ("therapist", RangeOperators.EQUAL),
                    ("weekday", RangeOperators.EQUAL),
                    (TsRange(OnFixedDay("start_time"), OnFixedDay("end_time")), RangeOperators.OVERLAPS),
                    (
                        DateRange("valid_from", "valid_to", RangeBoundary(inclusive_upper=True)),
                        RangeOperators.OVERLAPS,
                    ),
                ],
                violation_error_message="These hours overlap other hours of this therapist on the same weekday.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    def describe(self) -> str:
        """The window with its rota dates, for messages: "Monday 09:00–13:00 (from 01 Jan 2030)"."""
        if self.valid_from and self.valid_to:
            return f"{self} (from {self.valid_from:%d %b %Y} to {self.valid_to:%d %b %Y})"
        if self.valid_from:
            return f"{self} (from {self.valid_from:%d %b %Y})"
        if self.valid_to:
            return f"{self} (until {self.valid_to:%d %b %Y})"
        return str(self)

    def overlaps(self, other: WeeklyHours) -> bool:
        """Whether two windows clash: same therapist and weekday, overlapping times (a window ending at
        13:00 and one starting at 13:00 do not) and overlapping rota dates (blank: open-ended)."""
        return (
            self.therapist_id == other.therapist_id
            and self.weekday == other.weekday
            and self.start_time < other.end_time
            and other.start_time < self.end_time
            and (self.valid_to is None or other.valid_from is None or other.valid_from <= self.valid_to)
            and (self.valid_from is None or other.valid_to is None or self.valid_from <= other.valid_to)
        )

    def overlap_message(self, other: WeeklyHours) -> str:
        return (
            f"These hours overlap {other.describe()}, already set for this therapist. "
            "Join them into one window, or change the times or the rota dates so they do not overlap."
        )

    def clean(self) -> None:
        super().clean()
        if self.therapist_id is None or None in (self.weekday, self.start_time, self.end_time):
            return
        if self.end_time <= self.start_time:
            return  # weekly_hours_end_after_start says so
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            return  # weekly_hours_valid_range says so
        clash = WeeklyHours.objects.overlapping(self).order_by("start_time").first()
        if clash is not None:
            raise ValidationError(self.overlap_message(clash), code="weekly_hours_overlap")


class TimeOff(models.Model):
    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="time_off")
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = "time off"
        verbose_name_plural = "time off"
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")),
                name="time_off_end_after_start",
                violation_error_message="Time off must end after it starts.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.therapist}: {self.reason or 'time off'}"


class Closure(models.Model):
    """A day or days the whole clinic is closed (public holidays, training), as local dates."""

    first_day = models.DateField()
    last_day = models.DateField()
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["first_day"]
        constraints = [
            models.CheckConstraint(
                condition=Q(last_day__gte=models.F("first_day")),
                name="closure_valid_range",
                violation_error_message="The last day of a closure cannot be before its first day.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.reason} ({self.first_day:%Y-%m-%d} – {self.last_day:%Y-%m-%d})"


class AvailabilityVersion(models.Model):
    """A counter every write that can change availability raises, in the same transaction: appointments
    (created, moved, any status change, a hold renewed), weekly hours, time off, closures, the clinic
    policy, services and who gives them, therapists and their licences. Database triggers do it
    (migration 0007), so a bulk update, an admin delete or a raw query cannot forget; on PostgreSQL they
    fire at commit (deferred), so the counter and the data it stands for become visible together.
    The availability API derives its ETag from it. The clinic is one, and so is the row (id 1).
    """

    version = models.PositiveBigIntegerField(default=0)
    changed_at = models.DateTimeField(null=True, blank=True, help_text="When the version last rose.")

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="availability_version_single_row")]

    def __str__(self) -> str:
        return f"Availability version {self.version}"

    @classmethod
    def current(cls) -> tuple[int, datetime | None]:
        """The version and when it last rose, in one query; (0, None) before any write made the row."""
        row = cls.objects.filter(pk=1).values_list("version", "changed_at").first()
        return row if row is not None else (0, None)


class Appointment(models.Model):
    patient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="appointments"
    )
    therapist = models.ForeignKey(Therapist, on_delete=models.PROTECT, related_name="appointments")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="appointments")
    start = models.DateTimeField()
    end = models.DateTimeField()
    blocks_until = models.DateTimeField(
        help_text="End plus the service's buffer: the therapist is busy until then."
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.HELD)
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancel_reason = models.CharField(max_length=300, blank=True)
    sequence = models.PositiveIntegerField(default=0, help_text="Calendar SEQUENCE: rises on every change.")
    idempotency_key = models.CharField(max_length=100, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The front desk marks the patient arrived (`services.appointment_mark_arrived`).
    arrived_at = models.DateTimeField(null=True, blank=True)
    arrived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppointmentQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(fields=["therapist", "start"], name="appt_therapist_start"),
            models.Index(fields=["patient", "start"], name="appt_patient_start"),
            models.Index(fields=["status", "start"], name="appt_status_start"),
            # The busy intervals of a date range (`selectors.busy_appointments`): the therapists asked
            # for, then `blocks_until > range start`, so an appointment that ended before the range,
            # in any status, is never read, however long the history. It holds every column that
            # query reads, so it never visits the table.
            models.Index(
                fields=["therapist", "blocks_until", "start", "status", "hold_expires_at"],
                name="appt_busy_interval",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="appointment_status_valid"),
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="appointment_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(blocks_until__gte=models.F("end")), name="appointment_blocks_until_after_end"
            ),
            models.CheckConstraint(
                condition=Q(arrived_at__isnull=True, arrived_by__isnull=True)
                | Q(arrived_at__isnull=False, arrived_by__isnull=False),
                name="appointment_arrival_has_who_and_when",
                violation_error_message="An arrival records both when and who marked it.",
            ),
            models.UniqueConstraint(
                fields=["patient", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="appointment_idempotency_key_unique",
            ),
            PostgresExclusionConstraint(
                name="appointment_therapist_no_overlap",
                expressions=[
                    (TsTzRange("start", "blocks_until", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("therapist", RangeOperators.EQUAL),
                ],
                condition=Q(status__in=ACTIVE_STATUSES),
            ),
            PostgresExclusionConstraint(
                name="appointment_patient_no_overlap",
                expressions=[
                    (TsTzRange("start", "end", RangeBoundary()), RangeOperators.OVERLAPS),
                    ("patient", RangeOperators.EQUAL),
                ],
                condition=Q(status__in=ACTIVE_STATUSES),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service} with {self.therapist} at {self.start:%Y-%m-%d %H:%M} UTC ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("bookings:appointment-detail", args=[self.pk])

    def get_additional_data(self) -> dict:  # the change trail's hook (clinic.audit.trail)
        return {"patient": self.patient_id}

    @property
    def hold_lapsed(self) -> bool:
        """A hold whose time ran out: it no longer blocks anyone, even before a booking marks it expired."""
        return (
            self.status == Status.HELD
            and self.hold_expires_at is not None
            and self.hold_expires_at <= timezone.now()
        )

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES and not self.hold_lapsed

    @property
    def status_label(self) -> str:
        """The status as people should read it: a lapsed hold is shown as expired."""
        return "Expired (the held time lapsed)" if self.hold_lapsed else self.get_status_display()


from .feed.models import CalendarFeed  # noqa: E402, F401 - the calendar feed's model belongs to this app
