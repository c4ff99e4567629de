from django.urls import path

from . import views

app_name = "bookings"

urlpatterns = [
    path("book/", views.service_list, name="service-list"),
    path("book/<slug:slug>/", views.service_slots, name="service-slots"),
    path("book/<slug:slug>/hold/", views.hold, name="hold"),
    path("appointments/", views.my_appointments, name="appointment-list"),
    path("appointments/<int:pk>/", views.appointment_detail, name="appointment-detail"),
    path("appointments/<int:pk>/cancel/", views.appointment_cancel, name="appointment-cancel"),
    path("appointments/<int:pk>/reschedule/", views.appointment_reschedule, name="appointment-reschedule"),
    path("appointments/<int:pk>/calendar.ics", views.appointment_ics_download, name="appointment-ics"),
    path("staff/appointments/", views.front_desk_day, name="front-desk-day"),
    path("staff/appointments/book/", views.front_desk_book, name="front-desk-book"),
]
