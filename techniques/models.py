"""The technique catalogue and the contraindications that rule techniques out.

This app depends on nothing else of ours: `intake` reads `Contraindication.rules_out` to mark
techniques unsafe for a patient, and the technique pages read it to say who should not do them.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse


class TechniqueQuerySet(models.QuerySet):
    def published(self) -> TechniqueQuerySet:
        return self.filter(published=True)

    def visible_to(self, user) -> TechniqueQuerySet:
        """Everyone sees published techniques; staff who may view techniques also see drafts."""
        if user.is_authenticated and user.has_perm("techniques.view_technique"):
            return self.all()
        return self.published()

    def with_page_details(self) -> TechniqueQuerySet:
        """Everything a technique page shows, in a fixed number of queries."""
        return self.prefetch_related(
            models.Prefetch("steps", queryset=TechniqueStep.objects.order_by("number")),
            models.Prefetch("ruled_out_by", queryset=Contraindication.objects.order_by("name")),
        )


class TechniqueKind(models.TextChoices):
    # Declaration order is the order of the catalogue's sections.
    MANUAL_THERAPY = "manual_therapy", "In-clinic manual therapy"
    STRETCH = "stretch", "Self-care stretch"
    SELF_MASSAGE = "self_massage", "Self-massage"
    YOGA = "yoga", "Yoga pose"
    HEAT = "heat", "Heat"


class Technique(models.Model):
    Kind = TechniqueKind

    code = models.CharField(
        max_length=8,
        unique=True,
        help_text="Short code used by the screening rules, e.g. MAN or PIG. Do not change it once in use.",
    )
    slug = models.SlugField(max_length=80, unique=True, help_text="The page address: /techniques/<slug>/.")
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=TechniqueKind.choices)
    summary = models.TextField(help_text="One or two plain sentences: what it is and what it is for.")
    hold_seconds = models.PositiveIntegerField(
        "hold time (seconds)",
        null=True,
        blank=True,
        help_text="How long to hold each time. Self-care pages with a hold time show a timer.",
    )
    repetitions = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="How many times on each side, where that applies."
    )
    feel = models.TextField("what you should feel", blank=True)
    precautions = models.TextField(
        help_text="Always include: stop if it hurts, and see a professional if symptoms persist."
    )
    equipment = models.CharField(
        max_length=200, blank=True, help_text="What you need, e.g. a towel, a tennis ball, a chair."
    )
    published = models.BooleanField(
        default=False, help_text="Only published techniques are shown to patients and visitors."
    )
    position = models.PositiveSmallIntegerField(
        "ordering", default=0, help_text="Lower numbers come first within their section."
    )

    objects = TechniqueQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=TechniqueKind.values),
                name="technique_kind_valid",
                violation_error_message="Choose one of the listed kinds of technique.",
            ),
            models.CheckConstraint(
                condition=Q(hold_seconds__isnull=True) | Q(hold_seconds__gt=0),
                name="technique_hold_seconds_positive",
                violation_error_message="A hold lasts at least one second; leave it blank if there is none.",
            ),
            models.CheckConstraint(
                condition=Q(repetitions__isnull=True) | Q(repetitions__gt=0),
                name="technique_repetitions_positive",
                violation_error_message="Repetitions must be at least one; leave it blank if there are none.",
            ),
            models.CheckConstraint(
                condition=~Q(code=""),
                name="technique_code_not_blank",
                violation_error_message="Every technique needs a code.",
            ),
            models.CheckConstraint(
                condition=~Q(precautions=""),
                name="technique_precautions_not_blank",
                violation_error_message="Every technique needs its precautions written down.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def get_absolute_url(self) -> str:
        return reverse("techniques:detail", kwargs={"slug": self.slug})

    @property
    def is_self_care(self) -> bool:
        """Anything but in-clinic manual therapy is something the patient does at home."""
        return self.kind != self.Kind.MANUAL_THERAPY

    @property
    def shows_timer(self) -> bool:
        return self.is_self_care and bool(self.hold_seconds)


class TechniqueStep(models.Model):
    technique = models.ForeignKey(Technique, on_delete=models.CASCADE, related_name="steps")
    number = models.PositiveSmallIntegerField()
    text = models.TextField()

    class Meta:
        ordering = ["technique_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["technique", "number"],
                name="technique_step_number_unique",
                violation_error_message="Each step of a technique needs its own number.",
            ),
            models.CheckConstraint(
                condition=Q(number__gt=0),
                name="technique_step_number_positive",
                violation_error_message="Steps are numbered from 1.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.technique.code} step {self.number}"


class Contraindication(models.Model):
    """A condition, and the techniques someone with it should not do."""

    key = models.SlugField(
        max_length=50,
        unique=True,
        help_text="Matches the screening rule's key, e.g. pregnancy. Do not change it once in use.",
    )
    name = models.CharField(max_length=120, help_text="Plain name, as a patient would say it.")
    explanation = models.TextField(help_text="Why these techniques are unsafe, in plain words.")
    rules_out = models.ManyToManyField(
        Technique,
        related_name="ruled_out_by",
        blank=True,
        help_text="The techniques someone with this condition should not do.",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(key=""),
                name="contraindication_key_not_blank",
                violation_error_message="Every contraindication needs a key.",
            ),
        ]

    def __str__(self) -> str:
        return self.name
