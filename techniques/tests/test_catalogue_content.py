"""The catalogue the data migration loads: complete, safe to print, and written in our own words."""

from importlib import import_module

import pytest
from django.apps import apps
from django.db.models import PROTECT
from django.urls import reverse
from django.utils.html import strip_tags

from techniques.models import Contraindication, Technique, TechniqueKind
from techniques.tests.originality import SHINGLE_WORDS, seed_fingerprints, shingle_hashes

pytestmark = pytest.mark.django_db

seed_migration = import_module("techniques.migrations.0002_seed_catalogue")

TECHNIQUE_CODES = {
    "MAN",
    "PNS",
    "BALL",
    "SUP",
    "SIDE",
    "SEAT",
    "HK",
    "LNG",
    "SLL",
    "PIG",
    "COB",
    "CHD",
    "HEAT",
}

# Every key of SCREENING.md's rules table, plus the rows that split its conditional "rules out" cells.
SCREENING_KEYS = {
    "saddle_numbness", "progressive_weakness", "systemic", "cancer_active", "night_pain", "recent_trauma",
    "aneurysm", "aneurysm_signs", "aneurysm_risk", "pregnancy", "abdominal_surgery", "other_surgery",
    "hernia", "anticoagulants", "blood_clot", "abdominal_condition", "kidney", "osteoporosis",
    "hip_fracture", "hip_replacement", "knee", "herniated_disc", "spinal_instability", "acute_back_pain",
    "reduced_sensation", "skin", "heart_bp", "unwell_today", "iud_menstruation", "areas_to_avoid",
}  # fmt: skip
SPLIT_KEYS = {"pregnancy_20_weeks", "hip_replacement_posterior", "hip_replacement_anterior"}

# SCREENING.md's "rules out" column, one row each (ALL: every technique).
RULES_OUT = {
    "saddle_numbness": "ALL",
    "progressive_weakness": "ALL",
    "systemic": "ALL",
    "cancer_active": {"MAN", "BALL", "HEAT"},
    "night_pain": set(),
    "recent_trauma": "ALL",
    "aneurysm": {"MAN", "BALL", "PNS", "SUP"},
    "aneurysm_signs": "ALL",
    "aneurysm_risk": {"MAN", "BALL"},
    "pregnancy": {"MAN", "BALL", "COB", "HEAT"},
    "pregnancy_20_weeks": {"SUP", "SLL"},
    "abdominal_surgery": {"MAN", "BALL", "PNS", "COB", "CHD"},
    "other_surgery": set(),
    "hernia": {"MAN", "BALL"},
    "anticoagulants": {"MAN", "BALL", "PNS"},
    "blood_clot": "ALL",
    "abdominal_condition": {"MAN", "BALL", "CHD"},
    "kidney": {"MAN", "BALL"},
    "osteoporosis": {"BALL", "MAN", "PIG", "COB"},
    "hip_fracture": {"HK", "LNG", "PIG", "CHD", "PNS", "SLL"},
    "hip_replacement": {"PIG", "CHD", "PNS", "HK", "LNG"},
    "hip_replacement_posterior": {"PIG", "CHD", "PNS"},
    "hip_replacement_anterior": {"HK", "LNG"},
    "knee": {"HK", "LNG", "PIG", "CHD"},
    "herniated_disc": {"COB", "SLL", "MAN"},
    "spinal_instability": {"COB", "HK", "LNG", "SLL", "PIG"},
    "acute_back_pain": {"MAN", "COB", "PIG", "HEAT"},
    "reduced_sensation": {"HEAT"},
    "skin": {"MAN", "BALL", "HEAT"},
    "heart_bp": {"MAN", "HEAT"},
    "unwell_today": "ALL",
    "iud_menstruation": set(),
    "areas_to_avoid": set(),
}


def catalogue_text() -> list[str]:
    texts = []
    for technique in Technique.objects.prefetch_related("steps"):
        texts += [
            technique.name,
            technique.summary,
            technique.feel,
            technique.precautions,
            technique.equipment,
        ]
        texts += [step.text for step in technique.steps.all()]
    for contraindication in Contraindication.objects.all():
        texts += [contraindication.name, contraindication.explanation]
    return texts


def migration_text() -> list[str]:
    texts = []
    for data in seed_migration.TECHNIQUES:
        texts += [value for value in data.values() if isinstance(value, str)] + list(data["steps"])
    for _key, name, explanation, _codes in seed_migration.CONTRAINDICATIONS:
        texts += [name, explanation]
    return texts


def test_every_technique_code_is_loaded_and_published():
    techniques = Technique.objects.all()
    assert {t.code for t in techniques} == TECHNIQUE_CODES
    assert all(t.published for t in techniques)
    assert {t.kind for t in techniques} == set(TechniqueKind.values)


def test_every_technique_has_three_to_six_steps_numbered_from_one():
    for technique in Technique.objects.prefetch_related("steps"):
        numbers = [step.number for step in technique.steps.all()]
        assert 3 <= len(numbers) <= 6, technique.code
        assert numbers == list(range(1, len(numbers) + 1)), technique.code


def test_every_technique_says_stop_if_it_hurts_and_see_a_professional():
    for technique in Technique.objects.all():
        assert "Stop if it hurts" in technique.precautions, technique.code
        assert "see a professional if your symptoms persist" in technique.precautions, technique.code
        assert technique.summary and technique.feel and technique.equipment, technique.code


def test_heat_is_limited_to_ten_to_fifteen_minutes_through_a_towel_and_never_asleep():
    heat = Technique.objects.get(code="HEAT")
    assert "10 to 15 minutes" in heat.precautions
    assert "through a towel" in heat.precautions
    assert "never while you are asleep" in heat.precautions
    assert heat.hold_seconds == 10 * 60


def test_self_care_stretches_have_a_hold_time_and_manual_therapy_has_no_timer():
    for technique in Technique.objects.exclude(kind=TechniqueKind.MANUAL_THERAPY):
        assert technique.hold_seconds, technique.code
    assert not any(t.shows_timer for t in Technique.objects.filter(kind=TechniqueKind.MANUAL_THERAPY))


def test_every_screening_key_and_split_row_is_a_contraindication():
    keys = set(Contraindication.objects.values_list("key", flat=True))
    assert keys == SCREENING_KEYS | SPLIT_KEYS
    assert set(RULES_OUT) == keys


@pytest.mark.parametrize("key", sorted(RULES_OUT))
def test_contraindication_rules_out_what_screening_md_lists(key):
    contraindication = Contraindication.objects.get(key=key)
    expected = TECHNIQUE_CODES if RULES_OUT[key] == "ALL" else RULES_OUT[key]
    assert set(contraindication.rules_out.values_list("code", flat=True)) == expected
    assert contraindication.name and contraindication.explanation


def test_each_published_technique_page_renders_its_steps_and_precautions(client):
    for technique in Technique.objects.published().prefetch_related("steps"):
        resp = client.get(technique.get_absolute_url())
        assert resp.status_code == 200, technique.code
        body = resp.content.decode()
        for step in technique.steps.all():
            assert step.text.replace("'", "&#x27;") in body, (technique.code, step.number)


def test_no_run_of_eight_words_from_the_source_articles_is_in_the_migration():
    """Any copied sentence of eight words or more would share at least one eight-word run."""
    seeds = seed_fingerprints()
    assert len(seeds) > 1000  # the fingerprint file is there and not empty
    copied = [text for text in migration_text() if shingle_hashes(text) & seeds]
    assert copied == []


def test_no_run_of_eight_words_from_the_source_articles_is_in_the_catalogue_or_its_pages(client):
    seeds = seed_fingerprints()
    copied = [text for text in catalogue_text() if shingle_hashes(text) & seeds]
    assert copied == []
    pages = [reverse("techniques:catalogue")] + [t.get_absolute_url() for t in Technique.objects.all()]
    for url in pages:
        page_text = strip_tags(client.get(url).content.decode())
        assert not shingle_hashes(page_text) & seeds, url


def test_the_originality_check_catches_a_copied_sentence():
    seeds = seed_fingerprints()
    # A sentence from one of the source articles, with its punctuation changed.
    copied = "Hold on these spots for 30 seconds to 1 minute -- or until the tension releases!"
    assert shingle_hashes(copied) & seeds
    assert SHINGLE_WORDS == 8


def test_seed_migration_reverse_removes_the_catalogue_and_forward_restores_it():
    # Apps that depend on techniques may point at contraindications with protected keys (the intake's
    # screening rules); their own migrations are unapplied first in a real reverse, so detach them here.
    for rel in Contraindication._meta.related_objects:
        if rel.on_delete is PROTECT and rel.field.null:
            rel.related_model.objects.update(**{rel.field.name: None})
    seed_migration.unload_catalogue(apps, None)
    assert not Technique.objects.exists()
    assert not Contraindication.objects.exists()

    seed_migration.load_catalogue(apps, None)
    assert set(Technique.objects.values_list("code", flat=True)) == TECHNIQUE_CODES
    assert Contraindication.objects.get(key="blood_clot").rules_out.count() == len(TECHNIQUE_CODES)
