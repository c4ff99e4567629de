"""Clinic admins make, replace and turn off therapists' calendar links from the therapist list (two
actions), and see on each therapist's page whether the link is on. A new address is shown once, on
the page the action returns; the admin passes it on to the therapist."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ObjectDoesNotExist
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers

from ..selectors import clinic_zone
from .services import calendar_feed_issue, calendar_feed_revoke
from .views import feed_url


class CalendarFeedAdminMixin:
    """For `TherapistAdmin`: the calendar link's state and the two actions."""

    @admin.display(description="calendar link")
    def calendar_link(self, obj) -> str:
        try:
            feed = obj.calendar_feed
        except ObjectDoesNotExist:
            return "Off"
        made = timezone.localtime(feed.created_at, clinic_zone())
        return f"On, made {made:%d %b %Y %H:%M} ({clinic_zone().key})"

    def has_calendar_feed_permission(self, request) -> bool:
        return request.user.has_perm("bookings.change_calendarfeed")

    @admin.action(
        description="Make new calendar links (any old address stops working)", permissions=["calendar_feed"]
    )
    def make_calendar_links(self, request, queryset):
        links = []
        for therapist in queryset.order_by("display_name"):
            token = calendar_feed_issue(therapist=therapist, by=request.user)
            self.log_change(request, therapist, "Made a new calendar link.")
            links.append((therapist, feed_url(token)))
        context = {
            **self.admin_site.each_context(request),
            "title": "New calendar links",
            "links": links,
            "opts": self.model._meta,
        }
        response = TemplateResponse(request, "admin/bookings/calendar_feed_links.html", context)
        add_never_cache_headers(response)
        return response

    @admin.action(description="Turn off calendar links", permissions=["calendar_feed"])
    def turn_off_calendar_links(self, request, queryset):
        turned_off = 0
        for therapist in queryset:
            if calendar_feed_revoke(therapist=therapist, by=request.user):
                self.log_change(request, therapist, "Turned the calendar link off.")
                turned_off += 1
        self.message_user(request, f"{turned_off} calendar link(s) turned off.", messages.SUCCESS)
