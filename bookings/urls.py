from django.urls import path

from . import views
from .desk import views as desk_views
from .feed import views as feed_views

app_name = "bookings"

urlpatterns = [
    path("book/", views.service_list, name="service-list"),
    path("services/", views.services_and_prices, name="services"),
    path("therapists/", views.therapist_list, name="therapists"),
    path("therapists/<int:therapist_id>/", views.therapist_detail, name="therapist-detail"),
    path("book/<slug:slug>/", views.service_slots, name="service-slots"),
    path("book/<slug:slug>/hold/", views.hold, name="hold"),
    path("book/<slug:slug>/resume/", views.hold_resume, name="hold-resume"),
    path("appointments/", views.my_appointments, name="appointment-list"),
    path("appointments/<int:pk>/", views.appointment_detail, name="appointment-detail"),
    path("appointments/<int:pk>/cancel/", views.appointment_cancel, name="appointment-cancel"),
    path("appointments/<int:pk>/reschedule/", views.appointment_reschedule, name="appointment-reschedule"),
    path("appointments/<int:pk>/calendar.ics", views.appointment_ics_download, name="appointment-ics"),
    path("staff/appointments/", views.front_desk_day, name="front-desk-day"),
    path("staff/appointments/book/", views.front_desk_book, name="front-desk-book"),
    path("staff/appointments/<int:pk>/arrived/", desk_views.appointment_arrived, name="appointment-arrived"),
    path("staff/patients/", desk_views.patient_search, name="patient-search"),
    path("staff/patients/new/", desk_views.patient_register, name="patient-register"),
    path("staff/my-calendar/", feed_views.my_calendar_feed, name="my-calendar-feed"),
    path("staff/my-calendar/new/", feed_views.my_calendar_feed_new, name="my-calendar-feed-new"),
    path("staff/my-calendar/off/", feed_views.my_calendar_feed_off, name="my-calendar-feed-off"),
    # The feed calendar apps fetch: the unguessable token is the only key (no sign-in, no cookie).
    path("calendar/<str:token>.ics", feed_views.calendar_feed, name="calendar-feed"),
]
