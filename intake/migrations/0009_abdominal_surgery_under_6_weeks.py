"""SCREENING.md: belly or pelvic surgery "< 6 weeks" is absolute. The seeded window of 42 days counted
the 42nd day (six full weeks, no longer less than six) as inside; the rule's "within N days" includes
its last day, so "< 6 weeks" is 41 days. Only a row still at the seeded default changes (an admin's own
setting stands), and the change is a new rule-set version, as every rule edit is."""

from django.db import migrations

KEY = "abdominal_surgery_recent"
SEEDED, CORRECTED = 42, 41
# The shape of a rule in a snapshot, as intake.screening.rules.SNAPSHOT_FIELDS writes it.
SNAPSHOT_FIELDS = (
    "key",
    "question_key",
    "question",
    "condition",
    "threshold",
    "values",
    "computed",
    "requires_yes",
    "severity",
    "staff_action",
    "patient_message",
    "per_visit",
    "active",
    "position",
)


def _bump(apps, note: str) -> None:
    ScreeningRule = apps.get_model("intake", "ScreeningRule")
    RuleSet = apps.get_model("intake", "RuleSet")
    rows = []
    for rule in ScreeningRule.objects.select_related("contraindication").order_by("position", "key"):
        codes = (
            sorted(rule.contraindication.rules_out.values_list("code", flat=True)) if rule.contraindication else []
        )
        rows.append(
            {
                **{field: getattr(rule, field) for field in SNAPSHOT_FIELDS},
                "contraindication": rule.contraindication.key if rule.contraindication else None,
                "techniques": codes,
            }
        )
    last = RuleSet.objects.order_by("-version").first()
    RuleSet.objects.create(version=(last.version + 1) if last else 1, note=note, snapshot=rows)


def _move(apps, *, frm: int, to: int, note: str) -> None:
    ScreeningRule = apps.get_model("intake", "ScreeningRule")
    if ScreeningRule.objects.filter(key=KEY, threshold=frm).update(threshold=to):
        _bump(apps, note)


def forwards(apps, schema_editor):
    _move(apps, frm=SEEDED, to=CORRECTED, note="Belly surgery '< 6 weeks': the 42nd day is outside (41 days).")


def backwards(apps, schema_editor):
    _move(apps, frm=CORRECTED, to=SEEDED, note="Belly surgery window back to 42 days.")


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0008_screeningresult_screened_at"),
        ("techniques", "0002_seed_catalogue"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
