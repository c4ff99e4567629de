"""Appointment statuses and the QuerySet methods of bookings' models (`Appointment.objects.active()`,
`.visible_to(user)`, ...)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

from . import permissions

if TYPE_CHECKING:
    from .models import WeeklyHours


class ServiceQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class WeeklyHoursQuerySet(models.QuerySet):
    def overlapping(self, hours: WeeklyHours):
        """Other windows of the same therapist and weekday whose times and rota dates overlap `hours`
        (the same rule as `WeeklyHours.overlaps` and, on PostgreSQL, `weekly_hours_no_overlap`)."""
        qs = self.filter(
            therapist_id=hours.therapist_id,
            weekday=hours.weekday,
            start_time__lt=hours.end_time,
            end_time__gt=hours.start_time,
        )
        if hours.valid_to is not None:
            qs = qs.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=hours.valid_to))
        if hours.valid_from is not None:
            qs = qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=hours.valid_from))
        return qs.exclude(pk=hours.pk) if hours.pk else qs


class Status(models.TextChoices):
    HELD = "held", "Held (booking not finished)"
    PENDING_REVIEW = "pending_review", "Waiting for review"
    CONFIRMED = "confirmed", "Confirmed"
    COMPLETED = "completed", "Completed"
    NO_SHOW = "no_show", "No-show"
    CANCELLED = "cancelled", "Cancelled"
    DECLINED = "declined", "Declined"
    REFUSED = "refused", "Refused"
    EXPIRED = "expired", "Expired"


ACTIVE_STATUSES = (Status.HELD, Status.PENDING_REVIEW, Status.CONFIRMED)
INACTIVE_STATUSES = tuple(status for status in Status if status not in ACTIVE_STATUSES)


class AppointmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status__in=ACTIVE_STATUSES)

    def for_therapist(self, therapist):
        return self.filter(therapist=therapist)

    def for_patient(self, patient):
        return self.filter(patient=patient)

    def overlapping(self, start, end):
        return self.filter(start__lt=end, blocks_until__gt=start)

    def visible_to(self, user):
        """Appointments `user` may see (`permissions.visible_appointments_q`)."""
        return self.filter(permissions.visible_appointments_q(user))
