import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from clinic.models import User

pytestmark = pytest.mark.django_db


def snapshot():
    return sorted(
        (u.email, u.password, u.is_staff, tuple(sorted(g.name for g in u.groups.all())))
        for u in User.objects.prefetch_related("groups")
    )


def test_seed_demo_creates_an_account_for_each_role_and_prints_passwords(capsys):
    call_command("seed_demo")
    out = capsys.readouterr().out
    assert "psoas-demo-2026" in out
    for role in ("Therapists", "Front desk", "Clinic admins"):
        assert User.objects.filter(groups=Group.objects.get(name=role)).exists()
    assert User.objects.get(email="patient@clinic.example").check_password("psoas-demo-2026")


def test_seed_demo_twice_changes_nothing():
    call_command("seed_demo")
    first = snapshot()
    call_command("seed_demo")
    assert snapshot() == first
