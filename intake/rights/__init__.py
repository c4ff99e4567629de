"""Intake's share of a patient's rights (`clinic.rights`): the health forms, check-ins, screening
results, review decisions, clearance letters, home-care plans and staff alerts. `register()` is called
from `IntakeConfig.ready()`."""

from __future__ import annotations

from clinic.rights import registry
from clinic.rights.registry import RightsPart

from . import erasure, export


def register() -> None:
    registry.register(
        RightsPart(
            name="intake",
            layer=30,
            export=export.export,
            identify=erasure.identify,
            last_contact=erasure.last_contact,
            erase=erasure.erase,
            purge=erasure.purge,
            closing_summary=erasure.closing_summary,
        )
    )
