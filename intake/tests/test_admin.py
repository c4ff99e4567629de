"""The screening rule admin refuses a rule that could never match what the form asks."""

import pytest
from django.forms.models import model_to_dict
from django.urls import reverse

from clinic.tests.factories import clinic_admin_user
from intake.models import RuleSet, ScreeningRule

pytestmark = pytest.mark.django_db


def post_rule_edit(client, key: str, **changes):
    client.force_login(clinic_admin_user())
    rule = ScreeningRule.objects.get(key=key)
    data = {k: v for k, v in model_to_dict(rule).items() if v is not None}
    data.update(changes)
    return client.post(reverse("admin:intake_screeningrule_change", args=[rule.pk]), data)


def test_admin_refuses_a_condition_that_cannot_judge_the_questions_answer(client):
    versions = RuleSet.objects.count()
    resp = post_rule_edit(client, "knee", condition="gte", threshold=3)
    assert resp.status_code == 200
    assert "gives a yes / no answer" in resp.content.decode()
    assert ScreeningRule.objects.get(key="knee").condition == "yes"
    assert RuleSet.objects.count() == versions


def test_admin_refuses_a_rule_reading_an_answer_the_form_never_gives(client):
    resp = post_rule_edit(client, "knee", question_key="kneee")
    assert resp.status_code == 200
    assert "No question of the intake gives the answer" in resp.content.decode()
    assert ScreeningRule.objects.get(key="knee").question_key == "knee"


def test_admin_accepts_a_number_condition_on_a_number_answer(client):
    resp = post_rule_edit(client, "knee", question_key="pain_now", condition="gte", threshold=9)
    assert resp.status_code == 302
    assert ScreeningRule.objects.get(key="knee").question_key == "pain_now"
