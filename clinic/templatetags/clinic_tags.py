"""The layout's small helpers: menu links that know the page they are on, and prices in the
clinic's currency."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from clinic.money import format_money

register = template.Library()


@register.simple_tag(takes_context=True)
def nav_link(context, url_name: str, label: str, key: str = "", css: str = "nav-link", exact: bool = False):
    """A menu link, marked `aria-current="page"` on its own page (and, unless `exact`, below it)."""
    url = reverse(url_name)
    request = context.get("request")
    path = request.path if request is not None else ""
    current = path == url or (not exact and url != "/" and path.startswith(url))
    return format_html(
        '<a class="{}" href="{}"{}{}>{}</a>',
        css,
        url,
        format_html(' data-nav="{}"', key) if key else "",
        mark_safe(' aria-current="page"') if current else "",
        label,
    )


@register.filter
def money(amount) -> str:
    """`45` -> "£45", `45.5` -> "£45.50" (the CLINIC_CURRENCY setting)."""
    return format_money(amount)


@register.filter
def licences_today(therapist, day):
    """The therapist's licences valid on `day` (one per kind): what "Licensed (...)" is shown for."""
    return therapist.licences_valid_on(day)
