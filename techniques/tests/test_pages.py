import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

from clinic.tests.factories import clinic_admin_user, patient, therapist_user
from techniques.models import Contraindication, Technique, TechniqueKind
from techniques.tests.factories import ContraindicationFactory, TechniqueFactory

pytestmark = pytest.mark.django_db

CATALOGUE_QUERIES = 2  # the published techniques, the clinic profile (footer)
# the technique, its steps, the contraindications that rule it out, the clinic profile (footer)
DETAIL_QUERIES = 4


def detail_url(code: str) -> str:
    return Technique.objects.get(code=code).get_absolute_url()


def test_catalogue_lists_published_techniques_grouped_by_kind_in_kind_order(client):
    body = client.get(reverse("techniques:catalogue")).content.decode()
    sections = re.findall(r'data-section="([a-z_]+)"', body)
    assert sections == list(TechniqueKind.values)
    for technique in Technique.objects.all():
        assert technique.get_absolute_url() in body
    # Each technique sits under its own kind's heading.
    assert body.index("Pigeon pose") > body.index('data-section="yoga"') > body.index("Ball release")


def test_catalogue_leaves_out_unpublished_techniques(client):
    TechniqueFactory(name="Secret draft stretch", published=False)
    body = client.get(reverse("techniques:catalogue")).content.decode()
    assert "Secret draft stretch" not in body


def test_catalogue_query_count_does_not_grow_with_more_techniques(client, django_assert_num_queries):
    url = reverse("techniques:catalogue")
    with django_assert_num_queries(CATALOGUE_QUERIES):
        client.get(url)
    TechniqueFactory.create_batch(5)
    with django_assert_num_queries(CATALOGUE_QUERIES):
        resp = client.get(url)
    assert resp.content.decode().count("Test technique") == 5


def test_detail_shows_summary_steps_hold_feel_equipment_and_precautions(client):
    technique = Technique.objects.get(code="SUP")
    body = client.get(technique.get_absolute_url()).content.decode()
    assert technique.summary in body
    assert re.search(r"<ol[^>]*data-steps>\s*<li>", body)
    assert body.count("<li>") >= technique.steps.count()
    assert "30 seconds" in body
    assert "2 times" in body
    assert "What you should feel" in body
    assert technique.equipment in body
    assert "Stop if it hurts" in body


def test_detail_query_count_does_not_grow_with_more_contraindications(client, django_assert_num_queries):
    technique = TechniqueFactory()
    url = technique.get_absolute_url()
    with django_assert_num_queries(DETAIL_QUERIES):
        client.get(url)
    ContraindicationFactory.create_batch(4, rules_out=[technique])
    technique.steps.create(number=4, text="One more step.")
    with django_assert_num_queries(DETAIL_QUERIES):
        resp = client.get(url)
    assert resp.content.decode().count("data-contraindication=") == 4


def test_seeded_detail_page_query_count_is_pinned(client, django_assert_num_queries):
    with django_assert_num_queries(DETAIL_QUERIES):
        resp = client.get(reverse("techniques:detail", kwargs={"slug": "manual-psoas-release"}))
    assert resp.status_code == 200


def test_unknown_slug_is_404(client):
    assert client.get(reverse("techniques:detail", kwargs={"slug": "no-such-stretch"})).status_code == 404


def test_unpublished_technique_is_404_to_a_visitor(client):
    draft = TechniqueFactory(published=False)
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_unpublished_technique_is_404_to_a_patient(client):
    draft = TechniqueFactory(published=False)
    client.force_login(patient())
    assert client.get(draft.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("make_user", [therapist_user, clinic_admin_user])
def test_staff_who_may_view_techniques_can_preview_a_draft(client, make_user):
    draft = TechniqueFactory(published=False)
    client.force_login(make_user())
    resp = client.get(draft.get_absolute_url())
    assert resp.status_code == 200
    assert "Draft preview" in resp.content.decode()


def test_who_should_not_do_this_lists_the_contraindications_that_rule_it_out(client):
    body = client.get(detail_url("HEAT")).content.decode()
    listed = set(re.findall(r'data-contraindication="([a-z0-9_]+)"', body))
    expected = set(Technique.objects.get(code="HEAT").ruled_out_by.values_list("key", flat=True))
    assert listed == expected
    assert "reduced_sensation" in listed
    assert "knee" not in listed


def test_who_should_not_do_this_follows_a_contraindication_gaining_a_technique(client):
    knee = Contraindication.objects.get(key="knee")
    knee.name = "Sore knees that hate kneeling"
    knee.save()
    knee.rules_out.add(Technique.objects.get(code="SEAT"))
    body = client.get(detail_url("SEAT")).content.decode()
    assert 'data-contraindication="knee"' in body
    assert "Sore knees that hate kneeling" in body


def test_who_should_not_do_this_follows_a_contraindication_losing_a_technique(client):
    Contraindication.objects.get(key="knee").rules_out.remove(Technique.objects.get(code="HK"))
    body = client.get(detail_url("HK")).content.decode()
    assert 'data-contraindication="knee"' not in body
    assert 'data-contraindication="spinal_instability"' in body


def test_technique_nothing_rules_out_says_so(client):
    technique = TechniqueFactory()
    body = client.get(technique.get_absolute_url()).content.decode()
    assert "No condition on our screening list rules this out" in body


@pytest.mark.parametrize(
    "code", ["SUP", "SIDE", "SEAT", "HK", "LNG", "SLL", "BALL", "PIG", "COB", "CHD", "HEAT"]
)
def test_self_care_page_has_the_timer_with_its_hold_time(client, code):
    technique = Technique.objects.get(code=code)
    body = client.get(technique.get_absolute_url()).content.decode()
    assert f'data-timer data-seconds="{technique.hold_seconds}"' in body
    assert 'aria-live="polite"' in body
    for control in ("data-timer-start", "data-timer-pause", "data-timer-reset"):
        assert control in body
    assert "techniques/timer.js" in body


@pytest.mark.parametrize("code", ["MAN", "PNS"])
def test_in_clinic_manual_therapy_page_has_no_timer(client, code):
    body = client.get(detail_url(code)).content.decode()
    assert "data-timer" not in body
    assert "timer.js" not in body
    assert "Only your therapist does this" in body


def test_self_care_technique_without_a_hold_time_has_no_timer(client):
    technique = TechniqueFactory(hold_seconds=None)
    body = client.get(technique.get_absolute_url()).content.decode()
    assert "data-timer" not in body


def test_detail_page_offers_a_print_handout_with_print_css_and_no_inline_script_or_style(client):
    resp = client.get(detail_url("SEAT"))
    body = resp.content.decode()
    assert "data-print-handout" in body
    assert "Print this handout" in body
    assert "techniques/handout.js" in body
    assert "techniques/techniques.css" in body
    assert "unsafe-inline" not in resp["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", body)
    assert " style=" not in body
    assert " onclick=" not in body


def test_static_files_for_the_pages_exist():
    for name in ("techniques/timer.js", "techniques/handout.js", "techniques/techniques.css"):
        assert finders.find(name), name
    css = Path(finders.find("techniques/techniques.css")).read_text()
    assert "@media print" in css


def test_public_nav_links_to_the_catalogue(client):
    body = client.get(reverse("home")).content.decode()
    url = reverse("techniques:catalogue")
    assert f'<a class="nav-link" href="{url}" data-nav="techniques">Techniques</a>' in body
