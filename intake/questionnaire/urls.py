"""Included by intake/urls.py inside the `intake` namespace (no app_name here)."""

from django.urls import path

from . import kiosk_views, views

urlpatterns = [
    path("intake/", views.mine, name="mine"),
    path("intake/update/", views.update, name="update"),
    path("intake/step/<int:index>/", views.step, name="step"),
    path("intake/check/", views.check_answers, name="check-answers"),
    path("intake/appointment/<int:pk>/", views.appointment_start, name="appointment-start"),
    path("intake/appointment/<int:pk>/check-in/", views.check_in, name="check-in"),
    path("intake/appointment/<int:pk>/result/", views.outcome, name="outcome"),
    path("staff/patients/<int:patient_id>/intake/", views.patient_intake, name="patient-intake"),
    # The clinic tablet (kiosk_views): the desk starts it; the tablet's pages need no sign-in.
    path("staff/appointments/<int:pk>/tablet/", kiosk_views.kiosk_start_page, name="kiosk-start"),
    path("kiosk/", kiosk_views.kiosk_enter, name="kiosk"),
    path("kiosk/form/", kiosk_views.kiosk_form, name="kiosk-form"),
    path("kiosk/form/step/<int:index>/", kiosk_views.kiosk_step, name="kiosk-step"),
    path("kiosk/form/check/", kiosk_views.kiosk_check, name="kiosk-check"),
    path("kiosk/form/check-in/", kiosk_views.kiosk_check_in, name="kiosk-check-in"),
    path("kiosk/stop/", kiosk_views.kiosk_stop, name="kiosk-stop"),
    path("kiosk/done/", kiosk_views.kiosk_done, name="kiosk-done"),
]
