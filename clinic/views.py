from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.http import JsonResponse
from django.shortcuts import render
from django.views.generic import TemplateView


class HomeView(TemplateView):
    template_name = "clinic/home.html"


class StaffRequiredMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Anonymous visitors go to the login page; signed-in users without a staff role get 403."""

    permission_required = "clinic.access_staff_area"


class StaffDashboardView(StaffRequiredMixin, TemplateView):
    template_name = "clinic/staff_dashboard.html"


def permission_denied(request, exception=None):
    return render(request, "403.html", status=403)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request, exception=None):
    if _is_api(request):  # the API speaks JSON even for an address it does not know
        return JsonResponse({"code": "not_found", "message": "Not found."}, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    if _is_api(request):
        return JsonResponse(
            {"code": "server_error", "message": "Something went wrong on our side. Please try again later."},
            status=500,
        )
    return render(request, "500.html", status=500)
