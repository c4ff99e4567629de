import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, transaction

from clinic.tests.factories import patient, therapist_user
from techniques.models import Technique, TechniqueStep
from techniques.tests.factories import TechniqueFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("field", ["hold_seconds", "repetitions"])
def test_hold_time_and_repetitions_must_be_positive_when_given(field):
    technique = TechniqueFactory()
    setattr(technique, field, 0)
    with pytest.raises(IntegrityError), transaction.atomic():
        technique.save()


def test_hold_time_and_repetitions_may_be_left_empty():
    technique = TechniqueFactory(hold_seconds=None, repetitions=None)
    technique.refresh_from_db()
    assert technique.hold_seconds is None and technique.repetitions is None


def test_kind_outside_the_choices_is_refused_by_the_database():
    with pytest.raises(IntegrityError), transaction.atomic():
        Technique.objects.filter(code="SUP").update(kind="dance")


def test_precautions_cannot_be_blank():
    with pytest.raises(IntegrityError), transaction.atomic():
        Technique.objects.filter(code="SUP").update(precautions="")


def test_technique_code_is_unique():
    with pytest.raises(IntegrityError), transaction.atomic():
        TechniqueFactory(code="SUP")


def test_step_numbers_are_unique_within_a_technique():
    technique = Technique.objects.get(code="SUP")
    with pytest.raises(IntegrityError), transaction.atomic():
        TechniqueStep.objects.create(technique=technique, number=1, text="A second step one.")


def test_step_numbers_start_at_one():
    technique = TechniqueFactory(steps=[])
    with pytest.raises(IntegrityError), transaction.atomic():
        TechniqueStep.objects.create(technique=technique, number=0, text="Step zero.")


def test_same_step_number_is_fine_on_another_technique():
    TechniqueFactory(steps=["One."])
    assert TechniqueStep.objects.filter(number=1).count() == Technique.objects.count()


def test_drafts_are_visible_only_to_users_who_may_view_techniques():
    draft = TechniqueFactory(published=False)
    assert draft not in Technique.objects.visible_to(AnonymousUser())
    assert draft not in Technique.objects.visible_to(patient())
    assert draft in Technique.objects.visible_to(therapist_user())


def test_self_care_means_anything_but_in_clinic_manual_therapy():
    kinds = {t.code: t.is_self_care for t in Technique.objects.all()}
    assert kinds["MAN"] is False and kinds["PNS"] is False
    assert all(kinds[code] for code in ("SUP", "BALL", "PIG", "HEAT"))


def test_absolute_url_is_the_public_page():
    assert Technique.objects.get(code="PIG").get_absolute_url() == "/techniques/pigeon-pose/"
