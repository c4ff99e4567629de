"""Included by intake/urls.py inside the `intake` namespace (no app_name here)."""

from django.urls import path

from . import views

urlpatterns = [
    path("intake/", views.mine, name="mine"),
    path("intake/update/", views.update, name="update"),
    path("intake/step/<int:index>/", views.step, name="step"),
    path("intake/check/", views.check_answers, name="check-answers"),
    path("intake/appointment/<int:pk>/", views.appointment_start, name="appointment-start"),
    path("intake/appointment/<int:pk>/check-in/", views.check_in, name="check-in"),
    path("intake/appointment/<int:pk>/result/", views.outcome, name="outcome"),
    path("staff/patients/<int:patient_id>/intake/", views.patient_intake, name="patient-intake"),
]
