from __future__ import annotations

import re
import uuid
from datetime import date
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.crypto import salted_hmac

from . import request_cache
from .rights.models import ERASED_EMAIL_DOMAIN

POLICY_CACHE_KEY = "clinic_policy"
PROFILE_CACHE_KEY = "clinic_profile"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username: str):
        return self.get(email__iexact=username)


class User(AbstractUser):
    """An account. The email address is the login; there is no username."""

    username = None
    email = models.EmailField("email address", unique=True)
    phone = models.CharField(max_length=32, blank=True)
    # Recorded by the front desk to tell patients of the same name apart; removed when the account closes.
    date_of_birth = models.DateField(null=True, blank=True)
    # Moved on by "log out everywhere": part of every session's check, so all sessions end at once.
    session_generation = models.PositiveIntegerField(default=0, editable=False)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        ordering = ["last_name", "first_name", "email"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                name="user_email_ci_unique",
                violation_error_message="An account with this email address already exists.",
            ),
        ]
        permissions = [
            ("access_staff_area", "Can open the staff pages"),
            ("manage_appointments", "Can book, move and cancel appointments for patients"),
            ("review_intakes", "Can read intakes of own patients and decide flagged cases"),
        ]

    def __str__(self) -> str:
        if self.is_erased:
            return f"Closed account {self.pk}"
        return self.get_full_name() or self.email

    @property
    def is_erased(self) -> bool:
        """The account was closed: name and contact details are gone (`clinic.rights`)."""
        return self.email.endswith(f"@{ERASED_EMAIL_DOMAIN}")

    def save(self, *args, **kwargs):
        self.email = (self.email or "").strip().lower()
        super().save(*args, **kwargs)

    def get_session_auth_hash(self) -> str:
        """Django keeps this in each session and ends a session whose copy no longer matches: it
        changes with the password (Django's own rule) and with `session_generation`."""
        return self._with_generation(super().get_session_auth_hash())

    def get_session_auth_fallback_hash(self):
        for digest in super().get_session_auth_fallback_hash():
            yield self._with_generation(digest)

    def _with_generation(self, digest: str) -> str:
        if not self.session_generation:  # sessions from before "log out everywhere" was first used
            return digest
        return salted_hmac(
            "clinic.User.session_generation", f"{digest}:{self.session_generation}", algorithm="sha256"
        ).hexdigest()


class LicenceType(models.Model):
    """A kind of professional licence (massage therapist, physical therapist, osteopath, chiropractor)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=80, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def _public_image_name(folder: str, filename: str) -> str:
    """A made-up name in `folder` of the public media root: nothing the uploader typed is kept but the
    extension, which the re-encoding chose (clinic/images.py)."""
    suffix = PurePosixPath(filename).suffix.lower()
    return f"{folder}/{uuid.uuid4().hex}{suffix if suffix in ('.jpg', '.png') else '.jpg'}"


def logo_upload_to(instance, filename: str) -> str:
    return _public_image_name("clinic", filename)


def therapist_photo_upload_to(instance, filename: str) -> str:
    return _public_image_name("therapists", filename)


class TherapistQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class Therapist(models.Model):
    """A licensed practitioner patients can book. Bookable on a date only when active and licensed then."""

    user = models.OneToOneField(User, on_delete=models.PROTECT, related_name="therapist")
    display_name = models.CharField(max_length=120)
    bio = models.TextField(blank=True)
    specialties = models.CharField(
        max_length=250, blank=True, help_text="Comma-separated, shown to patients."
    )
    qualifications = models.TextField(
        max_length=1500,
        blank=True,
        help_text="One per line, as patients should read them, e.g. 'BSc (Hons) Osteopathy, 2012'. "
        "Licences are listed from the licence records below; do not repeat them here.",
    )
    photo = models.ImageField(
        upload_to=therapist_photo_upload_to,
        blank=True,
        width_field="photo_width",
        height_field="photo_height",
        help_text="A friendly head-and-shoulders photo (JPEG, PNG or WebP). It is resized to at most "
        "800 pixels and its camera data (location, date) is removed before it is stored. Shown to everyone.",
    )
    photo_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    photo_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    active = models.BooleanField(default=True)

    objects = TherapistQuerySet.as_manager()

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name

    @property
    def initials(self) -> str:
        return "".join(word[0] for word in self.display_name.split()[:2]).upper()

    @property
    def qualification_lines(self) -> list[str]:
        return [line.strip() for line in self.qualifications.splitlines() if line.strip()]

    def licences_valid_on(self, day: date) -> list[Licence]:
        """The licences that cover `day`, newest expiry first, one per kind. Reads `licences` (with
        their types) as prefetched: a list page asks for them once for every therapist."""
        best: dict[int, Licence] = {}
        for licence in self.licences.all():
            if licence.valid_from and licence.valid_from > day or licence.expires_on < day:
                continue
            kept = best.get(licence.licence_type_id)
            if kept is None or licence.expires_on > kept.expires_on:
                best[licence.licence_type_id] = licence
        return sorted(best.values(), key=lambda lic: (lic.licence_type.name, lic.expires_on))


class Licence(models.Model):
    therapist = models.ForeignKey(Therapist, on_delete=models.CASCADE, related_name="licences")
    licence_type = models.ForeignKey(LicenceType, on_delete=models.PROTECT, related_name="licences")
    number = models.CharField(max_length=60)
    issuing_body = models.CharField(max_length=120)
    valid_from = models.DateField(null=True, blank=True)
    expires_on = models.DateField(help_text="The last day on which the licence is valid.")

    class Meta:
        ordering = ["expires_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["licence_type", "issuing_body", "number"],
                name="licence_number_unique_per_body",
                violation_error_message="This licence number is already recorded for this type and issuing body.",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_from__lte=models.F("expires_on")),
                name="licence_valid_from_before_expiry",
                violation_error_message="A licence cannot start after it expires.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.licence_type} {self.number} (to {self.expires_on:%Y-%m-%d})"


class ClinicPolicy(models.Model):
    """The clinic's booking rules: one row, edited in the admin."""

    min_notice_hours = models.PositiveSmallIntegerField(default=12)
    horizon_days = models.PositiveSmallIntegerField(default=60)
    slot_step_minutes = models.PositiveSmallIntegerField(default=15)
    cancellation_window_hours = models.PositiveSmallIntegerField(default=24)
    hold_minutes = models.PositiveSmallIntegerField(default=15)
    intake_validity_months = models.PositiveSmallIntegerField(
        default=12, help_text="How long a full intake stays valid; after that the patient fills it in again."
    )
    review_deadline_hours = models.PositiveSmallIntegerField(
        default=24,
        help_text="A flagged case still undecided this long before its appointment is escalated to clinic admins.",
    )
    therapist_access_days = models.PositiveSmallIntegerField(
        default=365,
        help_text="How many days after a completed session its therapist may still read the patient's health "
        "form. During an active booking they always may; after a cancelled or declined one never.",
    )
    max_live_holds = models.PositiveSmallIntegerField(
        default=2,
        help_text="How many unfinished bookings (held times) one patient may have at once; "
        "a further hold is refused until one is confirmed, cancelled or lapses.",
    )
    clinical_retention_years = models.PositiveSmallIntegerField(
        default=8,
        help_text="How many years after a patient's last visit the clinic keeps their clinical records "
        "(appointments, screening results, review decisions, home-care plans) once they close their "
        "account; then the records are deleted. Check the rule that binds your clinic (e.g. 8 years for "
        "adults in the NHS Records Management Code, at least 6 under HIPAA).",
    )
    reminder_hours = models.PositiveSmallIntegerField(
        default=24,
        help_text="How long before a confirmed appointment the patient is emailed a reminder, at the same "
        "time of day (24: the day before). 0 sends no reminders.",
    )
    check_in_hours = models.PositiveSmallIntegerField(
        default=48,
        help_text="How long before a visit a patient with a valid health form is asked, by email, to answer "
        "the short check-in (has anything changed?). 0 sends no check-in requests.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "clinic policy"
        verbose_name_plural = "clinic policy"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=1),
                name="clinic_policy_single_row",
                violation_error_message="The clinic has one policy: change the existing one.",
            ),
            models.CheckConstraint(
                condition=models.Q(slot_step_minutes__gte=5, slot_step_minutes__lte=240),
                name="clinic_policy_slot_step_range",
                violation_error_message="The slot step must be between 5 and 240 minutes.",
            ),
            models.CheckConstraint(
                condition=models.Q(horizon_days__gte=1, horizon_days__lte=366),
                name="clinic_policy_horizon_range",
                violation_error_message="Patients can book between 1 and 366 days ahead.",
            ),
            models.CheckConstraint(
                condition=models.Q(hold_minutes__gte=1),
                name="clinic_policy_hold_positive",
                violation_error_message="A slot must be held for at least one minute.",
            ),
            models.CheckConstraint(
                condition=models.Q(max_live_holds__gte=1),
                name="clinic_policy_max_live_holds_positive",
                violation_error_message="A patient must be allowed at least one unfinished booking at a time.",
            ),
            models.CheckConstraint(
                condition=models.Q(clinical_retention_years__gte=1, clinical_retention_years__lte=100),
                name="clinic_policy_clinical_retention_range",
                violation_error_message="Clinical records are kept for between 1 and 100 years.",
            ),
            models.CheckConstraint(
                condition=models.Q(reminder_hours__lte=336, check_in_hours__lte=336),
                name="clinic_policy_notice_emails_range",
                violation_error_message="Reminders and check-in requests go out at most 336 hours "
                "(14 days) before a visit.",
            ),
        ]

    def __str__(self) -> str:
        return "Clinic policy"

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)
        request_cache.forget(POLICY_CACHE_KEY)

    @classmethod
    def get(cls) -> ClinicPolicy:
        """The policy, read at most once per request. A read never writes: migration 0004 makes the
        row, and should it be missing the defaults apply until an admin saves it."""
        return request_cache.cached(POLICY_CACHE_KEY, lambda: cls.objects.filter(pk=1).first() or cls(pk=1))


class ClinicProfile(models.Model):
    """Who and where the clinic is: one row, edited in the admin, shown in every page's footer, every
    email and every calendar file. A blank name falls back to the CLINIC_NAME setting."""

    name = models.CharField(
        max_length=120, blank=True, help_text="Blank: the CLINIC_NAME setting (shown until you fill this in)."
    )
    address = models.TextField(
        max_length=400, blank=True, help_text="As written on an envelope, one line per line."
    )
    phone = models.CharField(
        max_length=32,
        blank=True,
        validators=[
            RegexValidator(
                r"^\+?[0-9][0-9 ()-]{4,30}$",
                "Write the number with digits, spaces, brackets or dashes, and an optional + in front.",
                code="invalid_phone",
            )
        ],
        help_text="The number patients phone to cancel late, move a visit or ask a question.",
    )
    email = models.EmailField(blank=True, help_text="The address patients may write to.")
    opening_hours = models.TextField(
        max_length=600, blank=True, help_text="For the website, e.g. 'Monday to Friday 08:00 to 18:00'."
    )
    directions = models.TextField(
        "how to get there", max_length=1000, blank=True, help_text="Transport, parking and step-free access."
    )
    about = models.TextField(max_length=1500, blank=True, help_text="A short paragraph about the clinic.")
    logo = models.ImageField(
        upload_to=logo_upload_to,
        blank=True,
        width_field="logo_width",
        height_field="logo_height",
        help_text="Optional (JPEG, PNG or WebP; a transparent PNG looks best). Resized to at most 600 x 240 "
        "pixels. Without one, the menu shows the clinic's mark next to its name.",
    )
    logo_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    logo_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "clinic profile"
        verbose_name_plural = "clinic profile"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(id=1),
                name="clinic_profile_single_row",
                violation_error_message="The clinic has one profile: change the existing one.",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs):
        self.pk = 1
        super().save(*args, **kwargs)
        request_cache.forget(PROFILE_CACHE_KEY)

    @classmethod
    def get(cls) -> ClinicProfile:
        """The profile, read at most once per request. A read never writes: until an admin saves one,
        a blank profile (the CLINIC_NAME setting's name, no address) applies."""
        return request_cache.cached(PROFILE_CACHE_KEY, lambda: cls.objects.filter(pk=1).first() or cls(pk=1))

    @property
    def display_name(self) -> str:
        return self.name.strip() or settings.CLINIC_NAME

    @property
    def address_lines(self) -> list[str]:
        return [line.strip() for line in self.address.splitlines() if line.strip()]

    @property
    def address_one_line(self) -> str:
        return ", ".join(self.address_lines)

    @property
    def phone_uri(self) -> str:
        """The number as a `tel:` link ("" without a number)."""
        digits = re.sub(r"[^0-9+]", "", self.phone)
        return f"tel:{digits}" if digits else ""

    @property
    def phone_the_clinic(self) -> str:
        """What a page or message says when something can only be done by phone."""
        return f"Please phone the clinic on {self.phone}." if self.phone else "Please phone the clinic."


class PolicyPageQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)


class PolicyPage(models.Model):
    """A page of the clinic's rules or promises (cancellation, privacy, accessibility), written by a
    clinic admin in plain text: blank lines make paragraphs, '## ' a heading, '- ' a list item. It is
    shown escaped (clinic/markup.py), so no HTML typed in the admin ever reaches a page."""

    slug = models.SlugField(max_length=60, unique=True, help_text="Its address: /policies/<slug>/.")
    title = models.CharField(max_length=120)
    summary = models.CharField(
        max_length=250, blank=True, help_text="One sentence under the title and in the page's description."
    )
    body = models.TextField(
        max_length=20000,
        help_text="Plain text. A blank line starts a new paragraph; a line starting with '## ' is a "
        "heading; lines starting with '- ' make a list. HTML is shown as typed, not run.",
    )
    published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PolicyPageQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name = "policy page"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("policy", args=[self.slug])


from .audit.models import AccessEvent  # noqa: E402, F401 - the access log's model belongs to this app
from .outbox.models import OutboxMessage  # noqa: E402, F401 - the outbox's model belongs to this app
from .rights.models import ErasureRecord  # noqa: E402, F401 - closed accounts belong to this app
