from django.db import migrations, models

PREFIXES = (("Urgent screening", "urgent"), ("Review overdue", "overdue"), ("Released", "released"))


def classify_existing(apps, schema_editor):
    """Alerts written before `kind` existed are told apart by the start of their message (one urgent
    alert per appointment at most: the constraint below), and any acknowledged one gets a note."""
    StaffAlert = apps.get_model("intake", "StaffAlert")
    urgent_seen = set()
    for alert in StaffAlert.objects.order_by("created_at", "pk"):
        kind = next((k for prefix, k in PREFIXES if alert.message.startswith(prefix)), "other")
        if kind == "urgent":
            if alert.appointment_id in urgent_seen:
                kind = "other"
            urgent_seen.add(alert.appointment_id)
        alert.kind = kind
        if alert.acknowledged_at and not alert.note:
            alert.note = "(acknowledged before notes were recorded)"
        alert.save(update_fields=["kind", "note"])


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0006_screening_rule_constraint_messages"),
    ]

    operations = [
        migrations.AddField(
            model_name="staffalert",
            name="kind",
            field=models.CharField(
                choices=[
                    ("urgent", "Urgent screening"),
                    ("overdue", "Review overdue"),
                    ("released", "Released unreviewed"),
                    ("other", "Other"),
                ],
                default="other",
                max_length=10,
            ),
        ),
        migrations.AddField(
            model_name="staffalert",
            name="note",
            field=models.TextField(blank=True, help_text="What was done, e.g. 'phoned, advised A&E'."),
        ),
        migrations.RunPython(classify_existing, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="staffalert",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "urgent")),
                fields=("appointment",),
                name="staff_alert_one_urgent_per_appointment",
            ),
        ),
        migrations.AddConstraint(
            model_name="staffalert",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("acknowledged_at__isnull", True), models.Q(("note", ""), _negated=True), _connector="OR"
                ),
                name="staff_alert_acknowledged_with_note",
            ),
        ),
        migrations.AddConstraint(
            model_name="staffalert",
            constraint=models.CheckConstraint(
                condition=models.Q(("kind__in", ["urgent", "overdue", "released", "other"])),
                name="staff_alert_kind_valid",
            ),
        ),
    ]
