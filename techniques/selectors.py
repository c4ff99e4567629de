"""Reads behind the technique pages, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.shortcuts import get_object_or_404

from .models import Technique, TechniqueKind

SECTION_TITLES: dict[str, tuple[str, str]] = {
    TechniqueKind.MANUAL_THERAPY.value: (
        "In-clinic manual therapy",
        "Done by your therapist at the clinic. These pages explain what to expect; please do not try them "
        "at home.",
    ),
    TechniqueKind.STRETCH.value: ("Self-care stretches", "Stretches and exercises to do at home."),
    TechniqueKind.SELF_MASSAGE.value: (
        "Self-massage",
        "Gentle pressure you apply yourself, with a ball or roller.",
    ),
    TechniqueKind.YOGA.value: ("Yoga poses", "Poses that open the hips and ease the lower back."),
    TechniqueKind.HEAT.value: ("Heat", "Warmth to relax the muscles before you stretch."),
}


@dataclass(frozen=True)
class CatalogueSection:
    kind: str
    title: str
    intro: str
    techniques: list[Technique]


def technique_catalogue() -> list[CatalogueSection]:
    """Published techniques grouped by kind, sections in the order of `TechniqueKind`; one query."""
    by_kind: dict[str, list[Technique]] = {kind.value: [] for kind in TechniqueKind}
    for technique in Technique.objects.published():
        by_kind.setdefault(technique.kind, []).append(technique)
    return [
        CatalogueSection(kind, *SECTION_TITLES.get(kind, (kind, "")), techniques=techniques)
        for kind, techniques in by_kind.items()
        if techniques
    ]


def technique_for_page(*, slug: str, user) -> Technique:
    """The technique with its steps and the contraindications that rule it out.

    Drafts are a 404 to everyone but staff who may view techniques, so a draft's address gives
    nothing away.
    """
    return get_object_or_404(Technique.objects.visible_to(user).with_page_details(), slug=slug)
