from django.urls import path

from . import views

app_name = "techniques"

urlpatterns = [
    path("", views.TechniqueCatalogueView.as_view(), name="catalogue"),
    path("<slug:slug>/", views.TechniqueDetailView.as_view(), name="detail"),
]
