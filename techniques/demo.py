"""The technique catalogue for `seed_demo`: the data migration already loaded it, so this only reports."""

from __future__ import annotations

from .models import Contraindication, Technique


def seed(out) -> None:
    published = Technique.objects.published().count()
    contraindications = Contraindication.objects.count()
    out(f"exists   {published} published techniques, {contraindications} contraindications (techniques.0002)")
