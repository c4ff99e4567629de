"""Included by intake/urls.py inside the `intake` namespace (no app_name here)."""

from django.urls import path

from . import views as review_views

urlpatterns: list = [
    path("staff/review/", review_views.review_queue, name="review-queue"),
    path("staff/review/<int:result_id>/", review_views.review_case, name="review-case"),
    path(
        "staff/clearance/<int:letter_id>/", review_views.clearance_download, name="review-clearance-download"
    ),
    path("staff/alerts/<int:alert_id>/", review_views.alert_detail, name="alert"),
    path("appointments/<int:pk>/review-status/", review_views.review_status, name="review-status"),
    path("appointments/<int:pk>/clearance/", review_views.clearance_upload, name="review-clearance-upload"),
]
