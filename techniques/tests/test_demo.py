import pytest
from django.core.management import call_command

from techniques.models import Contraindication, Technique

pytestmark = pytest.mark.django_db


def test_seed_demo_reports_the_catalogue_and_changes_nothing_in_it(capsys):
    before = (Technique.objects.count(), Contraindication.objects.count())
    call_command("seed_demo")
    assert "13 published techniques, 33 contraindications" in capsys.readouterr().out
    assert (Technique.objects.count(), Contraindication.objects.count()) == before
