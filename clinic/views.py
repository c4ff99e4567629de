from __future__ import annotations

from urllib.parse import urlencode

from allauth.core import ratelimit
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe
from django.views.generic import TemplateView
from django.views.static import serve as static_serve

from . import dashboard, sessions
from .accounts.second_factor import has_second_factor
from .forms import CurrentPasswordForm
from .markup import render_plain
from .models import ClinicPolicy, PolicyPage
from .roles import requires_second_factor


class HomeView(TemplateView):
    template_name = "clinic/home.html"


class ContactView(TemplateView):
    """Address, phone, email, opening hours and how to get there, from the clinic's profile."""

    template_name = "clinic/contact.html"


@require_safe
def policy_page(request, slug: str):
    """A published policy page. The cancellation and privacy pages open with the rules the app itself
    applies (from the clinic policy), so the words an admin wrote can never contradict them."""
    page = get_object_or_404(PolicyPage.objects.published(), slug=slug)
    return render(
        request,
        "clinic/policy_page.html",
        {"page": page, "body": render_plain(page.body), "policy": ClinicPolicy.get()},
    )


class AccountView(LoginRequiredMixin, TemplateView):
    """The signed-in person's own account: sign-in settings (password, email, two-step sign-in), every
    browser they are logged in with, and their data."""

    template_name = "clinic/account.html"

    def get_context_data(self, **kwargs):
        listed = sessions.sessions_of(self.request)
        kwargs.setdefault("password_form", CurrentPasswordForm(user=self.request.user))
        return super().get_context_data(
            **kwargs,
            has_second_factor=has_second_factor(self.request.user),
            second_factor_required=requires_second_factor(self.request.user),
            sessions=listed,
            staff_idle=sessions.duration(settings.STAFF_SESSION_IDLE_SECONDS),
            patient_idle=sessions.duration(settings.PATIENT_SESSION_IDLE_SECONDS),
            absolute=sessions.duration(settings.SESSION_ABSOLUTE_SECONDS),
        )


TOO_MANY_TRIES = "Too many tries with a wrong password. Wait a minute, then try again."


def _password_confirmed(request) -> HttpResponse | None:
    """None when the POSTed password is the person's; otherwise the account page again with the
    message (400, or 429 once allauth's re-authentication limit is reached) and nothing done."""
    form = CurrentPasswordForm(request.POST, user=request.user)
    status = 400
    if not ratelimit.consume(request, action="reauthenticate", user=request.user):
        form.add_error(None, TOO_MANY_TRIES)
        status = 429
    elif form.is_valid():
        return None
    view = AccountView()
    view.setup(request)
    context = view.get_context_data(password_form=form)
    return TemplateResponse(request, view.template_name, context, status=status)


@login_required
@require_POST
def account_log_out_elsewhere(request):
    if refused := _password_confirmed(request):
        return refused
    sessions.sessions_end_all(user=request.user, request=request, keep_this_one=True)
    messages.success(
        request, "You are logged out on every other device and browser. You are still logged in here."
    )
    return redirect("account")


@login_required
@require_POST
def account_log_out_everywhere(request):
    if refused := _password_confirmed(request):
        return refused
    sessions.sessions_end_all(user=request.user, request=request, keep_this_one=False)
    messages.success(request, "You are logged out everywhere, including this browser.")
    return redirect(settings.LOGIN_URL)


class StaffRequiredMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Anonymous visitors go to the login page; signed-in users without a staff role get 403."""

    permission_required = "clinic.access_staff_area"


class StaffDashboardView(StaffRequiredMixin, TemplateView):
    """Each role's start page: open alerts first, then the panels the apps register for this person
    (cases waiting for review, today's appointments, licence expiries, failed messages)."""

    template_name = "clinic/staff_dashboard.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, panels=dashboard.panels_for(self.request))


def admin_login(request):
    """The Django admin signs staff in through allauth, like every other page: its rate limits and the
    second factor apply (the admin's own login form had neither). Someone already signed in is sent
    here only when the admin is not theirs to use."""
    if request.user.is_authenticated:
        raise PermissionDenied
    next_url = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse("admin:index")
    return redirect(f"{reverse('account_login')}?{urlencode({'next': next_url})}")


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


def serve_public_media(request, path: str, document_root):
    """A public image from MEDIA_ROOT (development and single-server set-ups; a proxy serves the folder
    in production). Only GET; only the image types the upload re-encoding writes; nosniff is set by
    SecurityMiddleware, so a browser never reads a file as anything else."""
    if request.method not in ("GET", "HEAD") or not path.lower().endswith((".jpg", ".png")):
        raise Http404
    response = static_serve(request, path, document_root=document_root)
    response["Cache-Control"] = "public, max-age=86400"
    return response
