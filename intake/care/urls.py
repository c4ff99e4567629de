"""Included by intake/urls.py inside the `intake` namespace (no app_name here)."""

from django.urls import path

from . import views as plan_views

urlpatterns = [
    path("staff/my-day/", plan_views.therapist_day, name="therapist-day"),
    path("staff/appointments/<int:pk>/mark/", plan_views.therapist_mark, name="therapist-mark"),
    path("staff/appointments/<int:pk>/plan/", plan_views.plan_assign_page, name="plan-assign"),
    path("my/plans/", plan_views.my_plans, name="my-plans"),
]
