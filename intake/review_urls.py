"""Included by intake/urls.py inside the `intake` namespace (no app_name here)."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
