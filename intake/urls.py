"""The intake app's URLs, one module per sub-package, all in the `intake` namespace."""

from django.urls import include, path

app_name = "intake"

urlpatterns = [
    path("", include("intake.questionnaire.urls")),
    path("", include("intake.review.urls")),
    path("", include("intake.care.urls")),
]
