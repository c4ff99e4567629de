"""Seeds the HTTP benchmark's database (run by http_bench.py under its settings) and prints JSON: the data
shape's slugs and ids, signed-in sessions for patients and for a therapist (second factor done), the
starts a booking mix may try, and a free slot for the racing holds."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent.parent))  # after PYTHONPATH: --app-dir's code wins

import django

django.setup()

import _clinic_data  # noqa: E402

from bookings.selectors import clinic_zone  # noqa: E402
from clinic.accounts import second_factor  # noqa: E402
from clinic.models import Therapist, User  # noqa: E402
from clinic.roles import THERAPISTS  # noqa: E402


def main(patients: int, history: int) -> None:
    shape = _clinic_data.make_clinic(wide=True)
    if history:
        _clinic_data.add_history(history)
    tz = clinic_zone()
    first = date.fromisoformat(shape["first_day"])
    therapist = Therapist.objects.get(pk=shape["therapist"])
    from django.contrib.auth.models import Group

    therapist.user.groups.add(Group.objects.get(name=THERAPISTS))
    therapists = list(Therapist.objects.filter(services__slug=shape["service"]).values_list("pk", flat=True))
    mix_starts = [
        [pk, datetime.combine(first + timedelta(days=d), dtime(h, m), tzinfo=tz).isoformat()]
        for d in range(1, 28)
        if (first + timedelta(days=d)).weekday() != 6
        for h in (9, 10, 14, 15, 16)
        for m in (0, 15, 30, 45)
        for pk in therapists
    ]
    race_day = first + timedelta(days=35)
    while race_day.weekday() == 6:
        race_day += timedelta(days=1)
    users = [
        User.objects.create_user(email=f"patient{i}@http.example", password=None) for i in range(patients)
    ]
    print(
        json.dumps(
            {
                **shape,
                "therapists": therapists,
                "therapist_session": _clinic_data.session_for(
                    therapist.user, **{second_factor.SESSION_KEY: therapist.user.pk}
                ),
                "sessions": [_clinic_data.session_for(user) for user in users],
                "mix_starts": mix_starts,
                "race_start": datetime.combine(race_day, dtime(10), tzinfo=tz).isoformat(),
            }
        )
    )


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
