"""The change trail of the clinic's own records, its actors, and the audit admin that nobody can edit."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.urls import reverse

from clinic.audit.models import AccessEvent, AccessKind
from clinic.audit.trail import MASK, SYSTEM, acted_by, acting_as, mask
from clinic.models import ClinicPolicy, Licence, LicenceType, Therapist
from clinic.roles import CLINIC_ADMINS

from .factories import UserFactory, clinic_admin_user, front_desk_user, patient, therapist_user

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")


def entries_for(obj) -> list[LogEntry]:
    return list(LogEntry.objects.get_for_object(obj).order_by("pk"))


def therapist_row(**kw) -> Therapist:
    return Therapist.objects.create(user=therapist_user(), display_name="Priya Shah", **kw)


def test_the_mask_keeps_nothing_of_the_value():
    assert mask("Mild asthma, insulin twice daily") == MASK
    assert mask("") == MASK


def test_a_therapist_edited_in_the_admin_is_recorded_with_the_admin_as_actor(client):
    admin_user = clinic_admin_user(email="alex@clinic.example")
    therapist = therapist_row()
    client.force_login(admin_user)
    url = reverse("admin:clinic_therapist_change", args=[therapist.pk])
    response = client.post(
        url,
        {
            "user": therapist.user_id,
            "display_name": "Priya K. Shah",
            "bio": "",
            "specialties": "",
            "active": "on",
            "licences-TOTAL_FORMS": "0",
            "licences-INITIAL_FORMS": "0",
            "weekly_hours-TOTAL_FORMS": "0",
            "weekly_hours-INITIAL_FORMS": "0",
        },
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    update = entries_for(therapist)[-1]
    assert update.action == LogEntry.Action.UPDATE
    assert update.actor == admin_user
    assert update.actor_email == "alex@clinic.example"
    assert update.changes_dict["display_name"] == ["Priya Shah", "Priya K. Shah"]
    assert update.remote_addr == "203.0.113.9"


def test_the_recorded_address_is_the_proxy_aware_client_address(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    admin_user = clinic_admin_user()
    client.force_login(admin_user)
    client.post(
        reverse("admin:clinic_licencetype_add"),
        {"code": "acu", "name": "Acupuncturist"},
        REMOTE_ADDR="10.0.0.2",
        # The client wrote the first entry; the trusted proxy appended the real address.
        HTTP_X_FORWARDED_FOR="198.51.100.66, 203.0.113.7",
    )
    entry = entries_for(LicenceType.objects.get(code="acu"))[0]
    assert entry.action == LogEntry.Action.CREATE
    assert entry.remote_addr == "203.0.113.7"
    assert entry.actor == admin_user


def test_licences_and_the_policy_are_on_the_trail():
    therapist = therapist_row()
    kind = LicenceType.objects.create(code="acu", name="Acupuncturist")
    with acting_as(clinic_admin_user()):
        licence = Licence.objects.create(
            therapist=therapist,
            licence_type=kind,
            number="MT-1",
            issuing_body="Board",
            expires_on=date(2027, 1, 1),
        )
        policy = ClinicPolicy.get()
        policy.cancellation_window_hours = 48
        policy.save()
    assert entries_for(licence)[0].changes_dict["number"] == ["None", "MT-1"]
    change = entries_for(policy)[-1]
    assert change.changes_dict["cancellation_window_hours"] == ["24", "48"]
    assert change.actor is not None


def test_the_system_is_named_as_actor_of_timed_work():
    with acting_as(None):
        therapist = therapist_row()
    entry = entries_for(therapist)[0]
    assert entry.actor is None
    assert entry.actor_email == SYSTEM


def test_a_nested_actor_gives_way_to_the_outer_one_on_leaving():
    outer, inner = clinic_admin_user(), front_desk_user()
    with acting_as(outer):
        with acting_as(inner):
            first = therapist_row()
        with acting_as(None):
            second = therapist_row()
        third = therapist_row()
    assert entries_for(first)[0].actor == inner
    assert entries_for(second)[0].actor_email == SYSTEM
    assert entries_for(third)[0].actor == outer


def test_acted_by_none_keeps_the_surrounding_actor():
    outer = clinic_admin_user()
    with acting_as(outer), acted_by(None):
        therapist = therapist_row()
    assert entries_for(therapist)[0].actor == outer


def test_an_earlier_request_s_actor_and_address_do_not_stick_to_later_work(client):
    admin_user = clinic_admin_user()
    client.force_login(admin_user)
    client.post(
        reverse("admin:clinic_licencetype_add"),
        {"code": "acu", "name": "Acupuncturist"},
        REMOTE_ADDR="203.0.113.1",
    )
    therapist = therapist_row()  # outside any request: nobody is named
    entry = entries_for(therapist)[0]
    assert (entry.actor, entry.remote_addr) == (None, None)
    desk = front_desk_user()
    with acting_as(desk):
        second = therapist_row()
    assert (entries_for(second)[0].actor, entries_for(second)[0].remote_addr) == (desk, None)


def test_an_access_event_is_never_changed_or_deleted_through_the_model():
    event = AccessEvent.objects.create(
        patient=patient(),
        actor=therapist_user(),
        actor_name="P",
        actor_role="Therapist",
        kind=AccessKind.INTAKE,
    )
    event.actor_name = "Someone else"
    with pytest.raises(ValueError, match="never changed"):
        event.save()
    with pytest.raises(ValueError, match="not deleted"):
        event.delete()
    assert AccessEvent.objects.get(pk=event.pk).actor_name == "P"


def test_no_role_may_add_change_or_delete_audit_rows():
    admins = Group.objects.get(name=CLINIC_ADMINS).permissions
    codenames = set(admins.values_list("content_type__app_label", "codename"))
    assert ("clinic", "view_accessevent") in codenames
    assert ("auditlog", "view_logentry") in codenames
    for verb in ("add", "change", "delete"):
        assert ("clinic", f"{verb}_accessevent") not in codenames
        assert ("auditlog", f"{verb}_logentry") not in codenames


# --- the admin: searched, never edited -------------------------------------------------------------------


@pytest.fixture
def trail_rows():
    therapist = therapist_row()
    event = AccessEvent.objects.create(
        patient=patient(email="sam@example.org"),
        actor=therapist.user,
        actor_name="Priya Shah",
        actor_role="Therapist",
        kind=AccessKind.INTAKE,
        at=datetime(2026, 6, 1, 9, tzinfo=LONDON),
        ip_address="203.0.113.5",
    )
    return {"entry": entries_for(therapist)[0], "event": event}


@pytest.mark.parametrize("who", ["clinic_admin", "superuser"])
def test_clinic_admins_search_both_logs_in_the_admin(client, trail_rows, who):
    user = clinic_admin_user() if who == "clinic_admin" else UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    events = client.get(reverse("admin:clinic_accessevent_changelist"), {"q": "sam@example.org"})
    assert events.status_code == 200
    assert "Priya Shah" in events.content.decode()
    entries = client.get(reverse("admin:auditlog_logentry_changelist"), {"q": "therapist"})
    assert entries.status_code == 200
    assert (
        client.get(reverse("admin:auditlog_logentry_change", args=[trail_rows["entry"].pk])).status_code
        == 200
    )
    assert (
        client.get(reverse("admin:clinic_accessevent_change", args=[trail_rows["event"].pk])).status_code
        == 200
    )


@pytest.mark.parametrize("who", ["clinic_admin", "superuser"])
def test_nobody_adds_changes_or_deletes_an_audit_row_in_the_admin(client, trail_rows, who):
    user = clinic_admin_user() if who == "clinic_admin" else UserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    entry, event = trail_rows["entry"], trail_rows["event"]
    for model, row in (("auditlog_logentry", entry), ("clinic_accessevent", event)):
        assert client.get(reverse(f"admin:{model}_add")).status_code == 403
        assert (
            client.post(reverse(f"admin:{model}_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
        )
        changed = client.post(
            reverse(f"admin:{model}_change", args=[row.pk]), {"actor_name": "X", "object_repr": "X"}
        )
        assert changed.status_code == 403
        bulk = client.post(
            reverse(f"admin:{model}_changelist"),
            {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
        )
        assert bulk.status_code in (200, 302)
    assert LogEntry.objects.filter(pk=entry.pk, object_repr=entry.object_repr).exists()
    assert AccessEvent.objects.filter(pk=event.pk, actor_name="Priya Shah").exists()


@pytest.mark.parametrize("make", [front_desk_user, therapist_user, patient])
def test_other_roles_cannot_open_the_audit_admin(client, trail_rows, make):
    client.force_login(make(is_staff=True))
    for name in ("admin:auditlog_logentry_changelist", "admin:clinic_accessevent_changelist"):
        assert client.get(reverse(name)).status_code in (302, 403)
