"""The database cache's table, so that a fresh `migrate` gives a working shared cache (the default
when CACHE_URL is not set; it holds the rate limits). With Redis configured this does nothing."""

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps, schema_editor):
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0008_policy_max_live_holds"),
    ]

    # The table may also hold entries written outside migrations; reversing leaves it in place.
    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
