"""The patient's own pages: everything we hold about them (a page and a JSON download) and closing the
account. Only ever the signed-in user's own data: there is no id in any of these addresses."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from ..errors import show_error
from ..models import ClinicPolicy
from ..ratelimit import hit
from . import registry
from .forms import CloseAccountForm
from .permissions import is_staff_account
from .services import ErasureError, export_sections, patient_erase, patient_export

# Wrong passwords on the closing page, per account, before it asks the patient to wait.
CLOSE_ATTEMPTS = 5
CLOSE_WINDOW_SECONDS = 15 * 60


@never_cache
@login_required
def my_data(request):
    return render(request, "clinic/rights/my_data.html", {"sections": export_sections(request.user)})


@never_cache
@login_required
def my_data_download(request):
    payload = patient_export(request.user)
    response = HttpResponse(
        json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
    )
    day = timezone.localdate()
    response["Content-Disposition"] = f'attachment; filename="my-clinic-data-{day:%Y-%m-%d}.json"'
    return response


@never_cache
@login_required
def close_account(request):
    user = request.user
    staff = is_staff_account(user)
    form = CloseAccountForm(request.POST or None, user=user)
    status = 200
    if request.method == "POST" and not staff:
        status = 400
        if not hit("close-account", str(user.pk), limit=CLOSE_ATTEMPTS, window_seconds=CLOSE_WINDOW_SECONDS):
            form.add_error(None, "Too many attempts. Please wait a quarter of an hour and try again.")
            status = 429
        elif form.is_valid():
            try:
                patient_erase(patient=user, by=user)
            except ErasureError as exc:
                show_error(request, exc, form=form)
            else:
                logout(request)
                messages.success(
                    request,
                    "Your account is closed and you are signed out. Your name and contact details "
                    "have been removed. Thank you for visiting us.",
                )
                return redirect("home")
    summary = [
        line for part in registry.parts() if part.closing_summary for line in part.closing_summary(user)
    ]
    return render(
        request,
        "clinic/rights/close_account.html",
        {"form": form, "staff": staff, "summary": summary, "policy": ClinicPolicy.get()},
        status=status,
    )
