from django.db import migrations

LICENCE_TYPES = [
    ("massage-therapist", "Massage therapist"),
    ("physical-therapist", "Physical therapist"),
    ("osteopath", "Osteopath"),
    ("chiropractor", "Chiropractor"),
]


def forwards(apps, schema_editor):
    LicenceType = apps.get_model("clinic", "LicenceType")
    ClinicPolicy = apps.get_model("clinic", "ClinicPolicy")
    for code, name in LICENCE_TYPES:
        LicenceType.objects.get_or_create(code=code, defaults={"name": name})
    ClinicPolicy.objects.get_or_create(pk=1)


def backwards(apps, schema_editor):
    apps.get_model("clinic", "ClinicPolicy").objects.filter(pk=1).delete()
    apps.get_model("clinic", "LicenceType").objects.filter(code__in=[c for c, _ in LICENCE_TYPES]).delete()


class Migration(migrations.Migration):
    dependencies = [("clinic", "0003_therapists_licences_policy")]

    operations = [migrations.RunPython(forwards, backwards)]
