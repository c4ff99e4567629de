"""Signing in through the real pages (allauth's login, then the second-factor step), for the tests of
sign-in itself; other tests use `client.force_login`."""

from __future__ import annotations

from django.urls import reverse

from .factories import PASSWORD


def password_step(
    client, email: str, password: str = PASSWORD, *, ip: str = "198.51.100.7", next_url: str = ""
):
    url = reverse("account_login") + (f"?next={next_url}" if next_url else "")
    return client.post(url, {"login": email, "password": password}, REMOTE_ADDR=ip)


def code_step(client, code: str, *, ip: str = "198.51.100.7"):
    return client.post(reverse("mfa_authenticate"), {"code": code}, REMOTE_ADDR=ip)


def signed_in_user_id(client):
    return client.session.get("_auth_user_id")
