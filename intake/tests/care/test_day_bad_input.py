"""The therapist's day meets dates at the ends of the calendar with a message, never a 500."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "0001-01-03", "9999-12-27"])
@pytest.mark.parametrize("view", ["day", "week"])
def test_day_page_for_a_date_out_of_range_says_so_and_shows_today(client, therapist, day, view):
    client.force_login(therapist.user)
    resp = client.get(reverse("intake:therapist-day"), {"date": day, "view": view})
    assert resp.status_code == 200
    assert "could not be read" in " ".join(str(m) for m in get_messages(resp.wsgi_request))
