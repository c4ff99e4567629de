"""Staff review of flagged cases: the queue, the case page, decisions and their effects."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from bookings import services as booking_services
from bookings.models import Status
from bookings.tests.factories import AppointmentFactory
from clinic.audit.models import AccessEvent
from clinic.models import ClinicPolicy
from clinic.tests.factories import UserFactory, clinic_admin_user, front_desk_user
from intake.models import Decision, Outcome, ReviewDecision
from intake.review import selectors as review_selectors
from intake.review.restrictions import restrictions_for
from intake.review.services import review_decide

from ..review_fixtures import at, flagged_booking, quick_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

REVIEW_SUBJECT = "Your health form has been reviewed"


def decide(case, decision, *, by=None, note="Read the form; fine for a gentle session.", expected=None, **kw):
    return review_decide(
        result=case,
        decision=decision,
        note=note,
        by=by or case.appointment.therapist.user,
        expected_last_decision_id=expected,
        **kw,
    )


def review_emails():
    return [m for m in mail.outbox if m.subject.startswith(REVIEW_SUBJECT)]


def queue_ids(client, **params):
    resp = client.get(reverse("intake:review-queue"), params)
    assert resp.status_code == 200
    return [case.pk for case in resp.context["cases"]]


# --- the queue --------------------------------------------------------------------------------------


def test_queue_puts_the_most_severe_first_then_the_soonest(client, therapist, service):
    later_review = quick_case(therapist=therapist, start=at(10, 10))
    sooner_review = quick_case(therapist=therapist, start=at(4, 10))
    blocked = quick_case(therapist=therapist, start=at(20, 10), outcome=Outcome.BLOCKED)
    client.force_login(therapist.user)
    assert queue_ids(client) == [blocked.pk, sooner_review.pk, later_review.pk]


def test_queue_leaves_out_decided_cases_but_keeps_those_waiting_for_clearance(client, therapist):
    cleared = quick_case(therapist=therapist, start=at(4, 10))
    waiting = quick_case(therapist=therapist, start=at(5, 10))
    open_ = quick_case(therapist=therapist, start=at(6, 10))
    decide(cleared, Decision.CLEARED)
    decide(waiting, Decision.NEEDS_CLEARANCE, note="Needs a letter from the GP first.")
    client.force_login(therapist.user)
    assert queue_ids(client) == [waiting.pk, open_.pk]


def test_queue_shows_the_time_left_before_the_appointment(client, therapist):
    quick_case(therapist=therapist, start=at(3, 10))  # 2 days 2 hours after 1 June 08:00
    client.force_login(therapist.user)
    page = client.get(reverse("intake:review-queue")).content.decode()
    assert "2\xa0days, 2\xa0hours" in page


def test_a_case_inside_the_deadline_is_marked_overdue(client, therapist):
    soon = quick_case(therapist=therapist, start=at(1, 20))
    later = quick_case(therapist=therapist, start=at(9, 10))
    client.force_login(therapist.user)
    cases = {c.pk: c for c in client.get(reverse("intake:review-queue")).context["cases"]}
    assert cases[soon.pk].overdue and not cases[later.pk].overdue


def test_therapist_sees_only_cases_of_their_own_appointments(client, therapist, other_therapist):
    mine = quick_case(therapist=therapist, start=at(4, 10))
    quick_case(therapist=other_therapist, start=at(4, 11))
    client.force_login(therapist.user)
    assert queue_ids(client) == [mine.pk]
    assert queue_ids(client, therapist=other_therapist.pk, scope="all") == [mine.pk]


def test_clinic_admin_sees_every_case_and_filters_by_therapist(client, therapist, other_therapist):
    mine = quick_case(therapist=therapist, start=at(4, 10))
    theirs = quick_case(therapist=other_therapist, start=at(4, 11))
    client.force_login(clinic_admin_user())
    assert queue_ids(client) == [mine.pk, theirs.pk]
    assert queue_ids(client, therapist=other_therapist.pk) == [theirs.pk]


def test_mine_shows_an_admin_who_also_treats_only_their_own_patients(client, therapist, other_therapist):
    therapist.user.groups.add(Group.objects.get(name="Clinic admins"))
    mine = quick_case(therapist=therapist, start=at(4, 10))
    quick_case(therapist=other_therapist, start=at(4, 11))
    client.force_login(therapist.user)
    assert queue_ids(client, scope="mine") == [mine.pk]


def test_queue_filters_by_severity(client, therapist):
    quick_case(therapist=therapist, start=at(4, 10))
    blocked = quick_case(therapist=therapist, start=at(5, 10), outcome=Outcome.BLOCKED)
    client.force_login(therapist.user)
    assert queue_ids(client, outcome=Outcome.BLOCKED) == [blocked.pk]


def test_an_unreadable_filter_shows_every_case(client, therapist):
    case = quick_case(therapist=therapist, start=at(4, 10))
    client.force_login(therapist.user)
    assert queue_ids(client, outcome="nonsense") == [case.pk]


@pytest.mark.parametrize("cases", [1, 100])
def test_queue_query_count_does_not_grow_with_cases(
    client, therapist, service, django_assert_num_queries, cases
):
    for i in range(cases):
        quick_case(therapist=therapist, service=service, start=at(2, 9) + timedelta(hours=2 * i))
    admin = clinic_admin_user()
    ClinicPolicy.get()
    client.force_login(admin)
    # session, user, permissions (user's and groups' in one), the queue, the policy, roles (nav), the review
    # badge's count, the therapist filter's choices, the open staff alerts (the session is not saved again
    # within a minute), the clinic profile (footer), and recording the read: the reader's name and roles, and the access events of the
    # patients listed in one insert (SQLite takes a row count per insert that 100 patients exceed).
    batch = connection.ops.bulk_batch_size(AccessEvent._meta.concrete_fields[1:], [None] * cases)
    with django_assert_num_queries(13 + (cases - 1) // batch):
        resp = client.get(reverse("intake:review-queue"))
    assert len(resp.context["cases"]) == cases


# --- the navigation badge ---------------------------------------------------------------------------


def test_navigation_counts_the_open_cases_a_therapist_may_see(client, therapist, other_therapist):
    quick_case(therapist=therapist, start=at(4, 10))
    quick_case(therapist=therapist, start=at(5, 10))
    quick_case(therapist=other_therapist, start=at(4, 11))
    client.force_login(therapist.user)
    resp = client.get(reverse("home"))
    assert resp.context["review_nav"] == {"can_review": True, "open_count": 2}
    assert 'id="review-count">2<' in resp.content.decode()


def test_navigation_offers_no_review_link_to_a_patient_or_front_desk(client, therapist):
    quick_case(therapist=therapist, start=at(4, 10))
    for user in (UserFactory(), front_desk_user()):
        client.force_login(user)
        body = client.get(reverse("home")).content.decode()
        assert 'data-nav="review"' not in body


# --- access -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["queue", "case"])
def test_staff_review_pages_send_anonymous_visitors_to_login(client, case, page):
    url = reverse("intake:review-queue") if page == "queue" else reverse("intake:review-case", args=[case.pk])
    resp = client.get(url)
    assert resp.status_code == 302
    assert resp["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("make_user", [UserFactory, front_desk_user])
def test_the_review_queue_is_forbidden_to_patients_and_front_desk(client, make_user):
    client.force_login(make_user())
    assert client.get(reverse("intake:review-queue")).status_code == 403


@pytest.mark.parametrize("make_user", [UserFactory, front_desk_user])
def test_a_case_page_is_not_found_for_patients_and_front_desk(client, case, make_user):
    client.force_login(make_user())
    assert client.get(reverse("intake:review-case", args=[case.pk])).status_code == 404


def test_the_patient_cannot_open_their_own_case_page(client, case, sam):
    client.force_login(sam)
    assert client.get(reverse("intake:review-case", args=[case.pk])).status_code == 404


def test_therapist_cannot_open_another_therapists_patients_case(client, case, other_therapist):
    client.force_login(other_therapist.user)
    assert client.get(reverse("intake:review-case", args=[case.pk])).status_code == 404


def test_clinic_admin_opens_any_case(client, case):
    client.force_login(clinic_admin_user())
    assert client.get(reverse("intake:review-case", args=[case.pk])).status_code == 200


# --- the case page ----------------------------------------------------------------------------------


def test_case_page_shows_the_facts_the_decision_rests_on(client, case, therapist):
    client.force_login(therapist.user)
    page = client.get(reverse("intake:review-case", args=[case.pk])).content.decode()
    assert "Sam Taylor" in page and "1985-04-12" in page
    assert "slipped (herniated) disc" in page  # the question, as the patient read it
    assert "<code>herniated_disc</code>" in page
    assert f"rule set v{case.rule_set.version}" in page
    assert "Therapist review before the session." in page
    for code in ("COB", "SLL", "MAN"):
        assert f">{code}</span>" in page
    assert "Stiff lower back after long days at my desk." in page
    assert "My left knee, please." in page and "Mild asthma." in page
    assert 'id="decide"' in page


def test_case_page_shows_earlier_screenings_and_their_decisions(client, case, sam, service, therapist):
    earlier = quick_case(therapist=therapist, start=at(20, 10), patient=sam)
    decide(earlier, Decision.NEEDS_CLEARANCE, note="Earlier: asked for the GP's letter.")
    client.force_login(therapist.user)
    page = client.get(reverse("intake:review-case", args=[case.pk])).content.decode()
    assert "Earlier: asked for the GP&#x27;s letter." in page


# --- decisions and their effects ---------------------------------------------------------------------


def test_cleared_confirms_the_appointment(case, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        made = decide(case, Decision.CLEARED)
    case.appointment.refresh_from_db()
    assert case.appointment.status == Status.CONFIRMED
    assert made.decided_by == case.appointment.therapist.user and made.decided_at is not None
    # One email for one event: the decision, carrying the calendar entry the confirmation would.
    (email,) = mail.outbox
    assert email.subject.startswith(REVIEW_SUBJECT)
    (calendar,) = [a for a in email.attachments if a[0].endswith(".ics")]
    assert "METHOD:REQUEST" in calendar.content and "STATUS:CONFIRMED" in calendar.content


def test_cleared_with_restrictions_confirms_and_carries_the_techniques(client, case, therapist):
    decide(case, Decision.CLEARED_WITH_RESTRICTIONS, restricted_techniques=["PIG", "BALL"])
    case.appointment.refresh_from_db()
    assert case.appointment.status == Status.CONFIRMED
    assert restrictions_for(case.appointment) == ["BALL", "COB", "MAN", "PIG", "SLL"]
    client.force_login(therapist.user)
    page = client.get(reverse("intake:review-case", args=[case.pk])).content.decode()
    assert 'id="restrictions"' in page and "(PIG)" in page


def test_restrictions_for_an_unscreened_appointment_are_empty(therapist, service):
    appointment = AppointmentFactory(therapist=therapist, service=service, start=at(4, 10))
    assert restrictions_for(appointment) == []


def test_a_later_decision_replaces_the_restrictions_of_an_earlier_one(case):
    first = decide(case, Decision.CLEARED_WITH_RESTRICTIONS, restricted_techniques=["PIG"])
    decide(case, Decision.CLEARED, expected=first.pk, note="Spoke to the patient; PIG is fine.")
    assert "PIG" not in restrictions_for(case.appointment)


def test_unknown_technique_codes_are_refused(case):
    with pytest.raises(ValidationError) as exc:
        decide(case, Decision.CLEARED_WITH_RESTRICTIONS, restricted_techniques=["NOPE"])
    assert exc.value.code == "unknown_technique"
    assert not ReviewDecision.objects.exists()


def test_restrictions_need_the_restricted_decision(case):
    with pytest.raises(ValidationError) as exc:
        decide(case, Decision.CLEARED, restricted_techniques=["PIG"])
    assert exc.value.code == "restrictions_not_allowed"


def test_needs_clearance_keeps_the_appointment_waiting_and_asks_for_a_letter(client, case, sam):
    decide(case, Decision.NEEDS_CLEARANCE, note="Ask the GP to confirm.")
    case.appointment.refresh_from_db()
    assert case.appointment.status == Status.PENDING_REVIEW
    client.force_login(sam)
    page = client.get(reverse("intake:review-status", args=[case.appointment.pk])).content.decode()
    assert "We need a letter from your doctor" in page
    assert 'id="clearance-upload"' in page


def test_declined_frees_the_slot_and_advises_a_doctor(
    case, service, therapist, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        decide(case, Decision.DECLINED, note="Needs imaging first.")
    case.appointment.refresh_from_db()
    assert case.appointment.status == Status.DECLINED
    (email,) = review_emails()
    assert "doctor" in email.body
    someone_else = booking_services.appointment_book(
        patient=UserFactory(), service=service, therapist=therapist, start=at(3, 10)
    )
    assert someone_else.status == Status.HELD


def test_a_decline_emails_the_patient_once_with_the_calendar_cancellation(
    case, sam, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        decide(case, Decision.DECLINED, note="Needs imaging first.")
    (email,) = [m for m in mail.outbox if sam.email in m.to]
    assert "doctor" in email.body
    (calendar,) = [a for a in email.attachments if a[0].endswith(".ics")]
    assert "METHOD:CANCEL" in calendar.content


def test_a_new_decision_supersedes_the_last_and_keeps_it(case):
    first = decide(case, Decision.NEEDS_CLEARANCE, note="Ask the GP.")
    second = decide(case, Decision.CLEARED, note="GP letter received.", expected=first.pk)
    assert second.supersedes == first
    assert ReviewDecision.objects.filter(result=case).count() == 2
    first.refresh_from_db()
    assert first.decision == Decision.NEEDS_CLEARANCE and first.note == "Ask the GP."


def test_a_decision_needs_a_note(case):
    with pytest.raises(ValidationError) as exc:
        decide(case, Decision.CLEARED, note="   ")
    assert exc.value.code == "note_required"
    case.appointment.refresh_from_db()
    assert case.appointment.status == Status.PENDING_REVIEW


def test_a_stale_page_is_told_someone_else_decided(case, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        decide(case, Decision.NEEDS_CLEARANCE, note="Ask the GP.")
        with pytest.raises(ValidationError) as exc:
            decide(case, Decision.DECLINED, note="Declining.", by=clinic_admin_user(), expected=None)
    assert exc.value.code == "already_decided"
    assert ReviewDecision.objects.filter(result=case).count() == 1
    assert len(review_emails()) == 1


def test_a_confirmed_appointment_cannot_be_declined_by_review(case):
    first = decide(case, Decision.CLEARED)
    with pytest.raises(ValidationError) as exc:
        decide(case, Decision.DECLINED, note="Changed my mind.", expected=first.pk)
    assert exc.value.code == "case_closed"


def test_another_therapist_cannot_decide(case, other_therapist):
    with pytest.raises(ValidationError) as exc:
        decide(case, Decision.CLEARED, by=other_therapist.user)
    assert exc.value.code == "not_allowed"


def test_the_patient_is_emailed_once_per_decision_without_clinical_details(
    case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = decide(case, Decision.NEEDS_CLEARANCE, note="Disc: ask the GP about the herniation.")
    with django_capture_on_commit_callbacks(execute=True):
        decide(case, Decision.CLEARED_WITH_RESTRICTIONS, restricted_techniques=["PIG"], expected=first.pk)
    emails = review_emails()
    assert len(emails) == 2
    assert all(m.to == ["sam@example.org"] for m in emails)
    for email in emails:
        body = email.body.lower()
        assert "disc" not in body and "herniat" not in body and "pig" not in body


# --- deciding through the page ----------------------------------------------------------------------


def test_deciding_on_the_page_records_it_and_returns_to_the_queue(client, case, therapist):
    client.force_login(therapist.user)
    resp = client.post(
        reverse("intake:review-case", args=[case.pk]),
        {"decision": Decision.CLEARED, "note": "All fine.", "expected_last_decision": ""},
    )
    assert resp.status_code == 302 and resp["Location"] == reverse("intake:review-queue")
    assert ReviewDecision.objects.get(result=case).decision == Decision.CLEARED


def test_the_page_refuses_a_decision_without_a_note(client, case, therapist):
    client.force_login(therapist.user)
    resp = client.post(
        reverse("intake:review-case", args=[case.pk]), {"decision": Decision.CLEARED, "note": ""}
    )
    assert resp.status_code == 400
    assert "note" in resp.context["form"].errors
    assert not ReviewDecision.objects.exists()


def test_the_page_refuses_restricted_clearance_without_techniques(client, case, therapist):
    client.force_login(therapist.user)
    resp = client.post(
        reverse("intake:review-case", args=[case.pk]),
        {"decision": Decision.CLEARED_WITH_RESTRICTIONS, "note": "Avoid some."},
    )
    assert resp.status_code == 400
    assert resp.context["form"].has_error("restricted_techniques", "restrictions_required")


def test_the_second_of_two_pages_is_told_it_was_decided(client, case, therapist):
    decide(case, Decision.NEEDS_CLEARANCE, by=clinic_admin_user(), note="Ask the GP.")
    client.force_login(therapist.user)
    resp = client.post(
        reverse("intake:review-case", args=[case.pk]),
        {"decision": Decision.CLEARED, "note": "Fine.", "expected_last_decision": ""},
        follow=True,
    )
    assert "someone decided this case while you were reading it" in resp.content.decode().lower()
    assert ReviewDecision.objects.filter(result=case).count() == 1


# --- the patient's side -----------------------------------------------------------------------------


def test_the_patient_sees_waiting_then_the_decision_in_plain_words(client, case, sam):
    client.force_login(sam)
    url = reverse("intake:review-status", args=[case.appointment.pk])
    assert "Waiting for review" in client.get(url).content.decode()
    decide(case, Decision.CLEARED_WITH_RESTRICTIONS, restricted_techniques=["PIG"])
    page = client.get(url).content.decode()
    assert "Your appointment is confirmed" in page
    assert "PIG" not in page and "Read the form" not in page  # neither codes nor the staff note


def test_the_patient_is_told_of_a_declined_booking(client, case, sam):
    decide(case, Decision.DECLINED, note="Needs imaging.")
    client.force_login(sam)
    page = client.get(reverse("intake:review-status", args=[case.appointment.pk])).content.decode()
    assert "speak to your doctor" in page


def test_another_patient_cannot_see_the_review_status(client, case):
    client.force_login(UserFactory())
    assert client.get(reverse("intake:review-status", args=[case.appointment.pk])).status_code == 404


def test_a_blocked_case_is_screened_by_the_real_engine_into_the_queue(client, sam, service, therapist):
    result = flagged_booking(
        patient=sam, service=service, therapist=therapist, start=at(4, 10), aneurysm=True
    )
    assert result.outcome == Outcome.BLOCKED
    client.force_login(therapist.user)
    assert queue_ids(client) == [result.pk]
    assert review_selectors.review_open_count(user=therapist.user) == 1


def test_the_case_page_lists_the_patient_s_screenings_newest_first_and_a_newer_urgent_one_is_not_earlier(
    client, case, sam, therapist
):
    """An urgent check-in result screened after this case was listed under "earlier screenings", below
    an older screening whose appointment is later: the history is ordered by when each was screened,
    newest first, with this case in its place and anything newer marked so."""
    older = quick_case(therapist=therapist, start=at(10, 10), patient=sam)
    older.screened_at = case.screened_at - timedelta(days=12)
    older.save(update_fields=["screened_at"])
    urgent = quick_case(therapist=therapist, start=at(2, 10), patient=sam, outcome=Outcome.URGENT)
    urgent.screened_at = case.screened_at + timedelta(hours=2)
    urgent.save(update_fields=["screened_at"])
    client.force_login(therapist.user)
    page = client.get(reverse("intake:review-case", args=[case.pk])).content.decode()
    history = page.split('id="history"', 1)[1]
    entries = [history.index(f'data-result="{r.pk}"') for r in (urgent, case, older)]
    assert entries == sorted(entries), "newest first: the urgent check-in, this case, then the older one"
    newer = history.split(f'data-result="{urgent.pk}"', 1)[1].split("</li>", 1)[0]
    assert "Newer than this case" in newer
    assert "Urgent" in newer
    assert "Earlier screenings" not in page
