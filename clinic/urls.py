from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path

from bookings.api import api, api_v2

from . import views
from .audit import views as audit_views
from .views import serve_public_media

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("contact/", views.ContactView.as_view(), name="contact"),
    path("policies/<slug:slug>/", views.policy_page, name="policy"),
    path("staff/", views.StaffDashboardView.as_view(), name="staff-dashboard"),
    path("my/account/", views.AccountView.as_view(), name="account"),
    path("my/record-access/", audit_views.record_access, name="record-access"),
    path("my/account/log-out-elsewhere/", views.account_log_out_elsewhere, name="account-logout-elsewhere"),
    path(
        "my/account/log-out-everywhere/", views.account_log_out_everywhere, name="account-logout-everywhere"
    ),
    path("accounts/", include("allauth.urls")),
    path("", include("clinic.rights.urls")),
    path("techniques/", include("techniques.urls")),
    path("", include("bookings.urls")),
    path("", include("intake.urls")),
    # Before the admin's own: its login page hands over to allauth (rate limits, second factor).
    path("admin/login/", views.admin_login, name="admin-login"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("api/v2/", api_v2.urls),
]

if settings.SERVE_PUBLIC_MEDIA:
    # Public images only (logo, therapists' photos; clinic/images.py re-encodes every one). Clinical
    # uploads live under PRIVATE_MEDIA_ROOT, which no URL serves.
    urlpatterns.append(
        re_path(
            r"^media/(?P<path>.+)$", serve_public_media, {"document_root": settings.MEDIA_ROOT}, name="media"
        )
    )

handler403 = "clinic.views.permission_denied"
handler404 = "clinic.views.page_not_found"
handler500 = "clinic.views.server_error"
