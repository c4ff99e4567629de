from django.urls import path

from . import views

app_name = "rights"

urlpatterns = [
    path("my/data/", views.my_data, name="my-data"),
    path("my/data/download.json", views.my_data_download, name="my-data-download"),
    path("my/account/close/", views.close_account, name="close-account"),
]
