import django.utils.timezone
from django.db import migrations, models
from django.db.models import F


def from_created_at(apps, schema_editor):
    # Results stored before this field were last screened when they were made: their decisions stand.
    apps.get_model("intake", "ScreeningResult").objects.update(screened_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0007_staffalert_kind_acknowledgement_note"),
    ]

    operations = [
        migrations.AddField(
            model_name="screeningresult",
            name="screened_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now,
                help_text="When these answers were last screened: a decision older than this is not about them.",
            ),
        ),
        migrations.RunPython(from_created_at, migrations.RunPython.noop),
    ]
