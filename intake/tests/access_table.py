"""The access matrix: the status every role gets on every route, GET and POST.

One row per URL pattern, keyed by its name (`namespace:name`; an unnamed route by its path, see
`clinic.tests.routes.Route.key`). `test_access_matrix.py` walks every pattern the resolver knows, so a
route added without a row here fails that test with its name. Add the row with the statuses you
mean, not the ones you see.

Each row holds eight statuses per method, one per column of `access_world.ROLES`:

    anon  A     B     thA   thX   desk  admin super
    anonymous, patient A, patient B, therapist of A, other therapist, front desk, clinic admin, superuser

A path's object ids are A's (the first of `World.of_a`, or the one `obj` names); B and the other
therapist are also sent to every other object of A and must get the same status there. A single
code stands for all eight. POSTs send no fields (the API's send `{}` as JSON); each request runs in
its own rolled-back transaction, so a cancel by one role does not change what the next one sees.
"""

from __future__ import annotations

from dataclasses import dataclass

from intake.tests.access_world import ROLES


@dataclass(frozen=True)
class Row:
    get: str
    post: str
    obj: str | None = None  # which of A's objects fills the path (a key of World.of_a[...])
    query: str = ""  # a query string for the GET

    def codes(self, method: str) -> dict[str, int]:
        codes = [int(code) for code in getattr(self, method).split()]
        if len(codes) == 1:
            codes *= len(ROLES)
        if len(codes) != len(ROLES):
            raise ValueError(f"{method} needs one status or {len(ROLES)}, got {getattr(self, method)!r}")
        return dict(zip(ROLES, codes, strict=True))


# Sign-in required: the anonymous visitor is sent to the login page, everyone signed in gets the page.
SIGNED_IN = "302 200 200 200 200 200 200 200"
SIGNED_OUT = "200 302 302 302 302 302 302 302"  # the login and sign-up pages send a signed-in user on
STAFF_ONLY = "302 403 403 200 200 200 200 200"
FRONT_DESK = "302 403 403 403 403 200 200 200"
A_AND_ALL_STAFF = "302 200 404 200 404 200 200 200"  # A's appointment: A, its therapist, desk, admins
A_AND_DESK = "302 200 404 404 404 200 200 200"  # changing A's appointment: A, desk, admins
A_ONLY = "302 200 404 404 404 404 404 404"
A_AND_CLINICIANS = "302 200 404 200 404 404 200 200"  # A's health record: A, A's therapist, admins
THERAPISTS = "302 404 404 200 200 404 404 404"  # a therapist's own page: others have none
THERAPIST_OF_A = "302 404 404 200 404 404 404 404"
REVIEWERS = "302 404 404 200 404 404 200 200"  # A's case: A's therapist and admins; others never
NO_FACTOR_OR_STAFF = "302 302 302 200 200 200 200 200"  # a code to re-enter: staff only
NONE_OR_REAUTH = "302 404 404 302 302 302 302 302"  # patients have none; staff re-enter a code first
POST_ONLY = "302 405 405 405 405 405 405 405"

ROWS: dict[str, Row] = {
    "home": Row("200", "405"),
    # --- the clinic's public pages (issue 14): open to everyone ---
    "contact": Row("200", "405"),
    "policy": Row("200", "405"),
    "media": Row("200", "404"),  # a public image (the logo); only GET and HEAD
    "staff-dashboard": Row(STAFF_ONLY, "302 403 403 405 405 405 405 405"),
    # --- accounts (django-allauth) ---
    "account_login": Row(SIGNED_OUT, SIGNED_OUT),
    "account_logout": Row("302 200 200 200 200 200 200 200", "302"),
    "account_inactive": Row("200", "405"),
    "account_signup": Row(SIGNED_OUT, SIGNED_OUT),
    "account_reauthenticate": Row(SIGNED_IN, SIGNED_IN),
    "account_email": Row(SIGNED_IN, "302"),
    "account_email_verification_sent": Row("200", "405"),
    "account_change_password": Row(SIGNED_IN, SIGNED_IN),
    "account_set_password": Row("302", "302"),  # every account here has a password: to change it
    "account_reset_password": Row("200", "200"),
    "account_confirm_login_code": Row("302", "302"),  # no login code was asked for
    "account_confirm_email": Row("200", "404"),  # a key that does not exist
    "account_reset_password_from_key_done": Row("200", "405"),
    "account_reset_password_from_key": Row("200", "200"),  # a bad key: the page says so
    "account_reset_password_done": Row("200", "405"),
    # --- the account page (clinic.views) and allauth's sessions page, which points to it ---
    "account": Row(SIGNED_IN, "302 405 405 405 405 405 405 405"),
    # No password sent: the account page again with "Type your password to go on." and nothing ended.
    "account-logout-elsewhere": Row(POST_ONLY, "302 400 400 400 400 400 400 400"),
    "account-logout-everywhere": Row(POST_ONLY, "302 400 400 400 400 400 400 400"),
    "usersessions_list": Row(SIGNED_IN, "302"),
    # --- the patient's rights (rights13): their own data, and closing their own account ---
    "rights:my-data": Row(SIGNED_IN, SIGNED_IN),
    "rights:my-data-download": Row(SIGNED_IN, SIGNED_IN),
    "rights:close-account": Row(SIGNED_IN, "302 400 400 200 200 200 200 200"),  # staff: no form to send
    # --- two-step sign-in (allauth.mfa, mfa13). Staff in the world have an authenticator app, patients
    # none; nobody has just re-entered a code, so the pages that change a factor ask for that first.
    "mfa_index": Row(SIGNED_IN, "302 405 405 405 405 405 405 405"),
    "mfa_authenticate": Row("302", "302"),  # no sign-in waiting for its second step
    "mfa_reauthenticate": Row(NO_FACTOR_OR_STAFF, NO_FACTOR_OR_STAFF),
    "mfa_activate_totp": Row("302", "302"),  # patients re-enter their password first; staff have one
    "mfa_deactivate_totp": Row(NONE_OR_REAUTH, NONE_OR_REAUTH),
    "mfa_view_recovery_codes": Row(NONE_OR_REAUTH, "302 405 405 405 405 405 405 405"),
    "mfa_download_recovery_codes": Row(NONE_OR_REAUTH, NONE_OR_REAUTH),
    "mfa_generate_recovery_codes": Row("302", "302"),
    # the admin's login page hands over to allauth's
    "admin-login": Row("302 403 403 403 403 403 403 403", "302 403 403 403 403 403 403 403"),
    # --- the audit trail (audit13): a person sees who at the clinic read their record ---
    "record-access": Row(SIGNED_IN, SIGNED_IN),
    # --- techniques: public ---
    "techniques:catalogue": Row("200", "405"),
    "techniques:detail": Row("200", "405"),
    # --- bookings ---
    "bookings:service-list": Row("200", "200"),
    "bookings:services": Row("200", "405"),
    "bookings:therapists": Row("200", "405"),
    "bookings:therapist-detail": Row("200", "405"),
    "bookings:service-slots": Row("200", "200"),
    # No slot chosen: a message for everyone (a visitor's pick is kept while they sign in, test_visitor_choice)
    "bookings:hold": Row("405", "409"),
    # Where a visitor lands after signing in: the held slot's next step, or the slots (nothing was picked)
    "bookings:hold-resume": Row("302", POST_ONLY),
    "bookings:appointment-list": Row(SIGNED_IN, SIGNED_IN),
    "bookings:appointment-detail": Row(A_AND_ALL_STAFF, A_AND_ALL_STAFF),
    # GET asks first (the policy and a reason); POST cancels
    "bookings:appointment-cancel": Row(A_AND_DESK, "302 302 404 404 404 302 302 302"),
    "bookings:appointment-reschedule": Row(A_AND_DESK, "302 409 404 404 404 409 409 409"),
    "bookings:appointment-ics": Row(A_AND_ALL_STAFF, A_AND_ALL_STAFF),
    "bookings:front-desk-day": Row(FRONT_DESK, FRONT_DESK),
    # the therapist's calendar link (feed12): the feed's unguessable address is its only key
    "bookings:calendar-feed": Row("200", "405"),
    "bookings:my-calendar-feed": Row(THERAPISTS, THERAPISTS),
    "bookings:my-calendar-feed-new": Row(POST_ONLY, "302 404 404 302 302 404 404 404"),
    "bookings:my-calendar-feed-off": Row(POST_ONLY, "302 404 404 302 302 404 404 404"),
    # A post with no patient and service chosen books nothing: 400 with the message.
    "bookings:front-desk-book": Row(FRONT_DESK, "302 403 403 403 403 400 400 400"),
    # the desk finds and registers patients (staff15); an empty registration form is sent back (400)
    "bookings:patient-search": Row(FRONT_DESK, FRONT_DESK),
    "bookings:patient-register": Row(FRONT_DESK, "302 403 403 403 403 400 400 400"),
    # the desk marks A arrived: A's first appointment is not today, so the day list says so (302)
    "bookings:appointment-arrived": Row(POST_ONLY, "302 404 404 404 404 302 302 302"),
    # --- intake: the patient's own health form ---
    "intake:mine": Row(SIGNED_IN, SIGNED_IN),
    "intake:update": Row(POST_ONLY, "302"),
    "intake:step": Row(SIGNED_IN, "302 400 400 400 400 400 400 400"),
    "intake:check-answers": Row(SIGNED_IN, SIGNED_IN),
    "intake:appointment-start": Row("302 302 404 404 404 404 404 404", "302 302 404 404 404 404 404 404"),
    "intake:check-in": Row("302 302 404 404 404 404 404 404", "302 302 404 404 404 404 404 404"),
    # --- the clinic tablet (kiosk): the desk starts it for A's visit, which is not today (409) ---
    "intake:kiosk-start": Row("302 404 404 404 404 200 200 200", "302 404 404 404 404 409 409 409"),
    # The tablet's pages need no sign-in; without a code they open nothing (back to the neutral page).
    "intake:kiosk": Row("200", "400"),
    "intake:kiosk-form": Row("302", "405"),
    "intake:kiosk-step": Row("302", "302"),
    "intake:kiosk-check": Row("302", "302"),
    "intake:kiosk-check-in": Row("302", "302"),
    "intake:kiosk-stop": Row("405", "302"),
    "intake:kiosk-done": Row("200", "405"),
    "intake:outcome": Row(A_ONLY, A_ONLY),
    "intake:patient-intake": Row(A_AND_CLINICIANS, A_AND_CLINICIANS),
    # --- intake: review ---
    "intake:review-queue": Row("302 403 403 200 200 403 200 200", "302 403 403 200 200 403 200 200"),
    "intake:review-case": Row(REVIEWERS, "302 404 404 400 404 404 400 400"),
    "intake:review-clearance-download": Row(A_AND_CLINICIANS, A_AND_CLINICIANS),
    "intake:alert": Row("302 404 404 200 404 200 200 200", "302 404 404 400 404 400 400 400"),
    "intake:review-status": Row(A_ONLY, A_ONLY),
    "intake:review-clearance-upload": Row(POST_ONLY, "302 400 404 404 404 404 404 404"),
    # --- intake: care ---
    "intake:therapist-day": Row("302 404 404 200 200 404 404 404", "302 404 404 200 200 404 404 404"),
    "intake:therapist-mark": Row(POST_ONLY, "302 404 404 302 404 404 404 404", obj="done"),
    "intake:plan-assign": Row(THERAPIST_OF_A, "302 404 404 400 404 404 404 404", obj="done"),
    "intake:my-plans": Row(SIGNED_IN, SIGNED_IN),
    # --- the JSON API ---
    "api-v1:openapi-json": Row("200", "405"),
    "api-v1:availability": Row("200", "405", query="service=psoas-60"),
    "api-v1:book_appointment": Row("401 200 200 200 200 200 200 200", "401 400 400 400 400 400 400 400"),
    "api-v1:cancel_appointment": Row("405", "401 200 404 404 404 404 404 404"),
    "api-v1:api-root": Row("404", "404"),
    "api-v2:openapi-json": Row("200", "200"),
    "api-v2:compact_availability": Row("200", "405", query="service=psoas-60"),
    "api-v2:api-root": Row("404", "404"),
}


# --- the Django admin -------------------------------------------------------------------------------
# Everyone without admin access (anonymous, patients, therapists, front desk) is sent to its login
# page; `admin()` takes the clinic admin's and the superuser's statuses.
NOT_ADMIN = "302 302 302 302 302 302"


def admin(get: str, post: str | None = None) -> Row:
    return Row(f"{NOT_ADMIN} {get}", f"{NOT_ADMIN} {post or get}")


# What a model's admin answers, page by page, as (GET, POST) for the clinic admin and the superuser.
EDITABLE = {
    "changelist": ("200 200", "200 200"),
    "add": ("200 200", "200 200"),
    "history": ("200 200", "200 200"),
    "delete": ("200 200", "200 200"),  # the confirmation page; an empty POST deletes nothing
    "change": ("200 200", "200 200"),
    "object": ("302 302", "302 302"),  # /admin/<app>/<model>/<id>/ redirects to the change page
}
# Records written by the app's own services: the admin shows them and changes nothing.
READ_ONLY = {
    **EDITABLE,
    "add": ("403 403", "403 403"),
    "delete": ("403 403", "403 403"),
    "change": ("200 200", "403 403"),
}

# Only the superuser opens it, to look and to delete.
SUPERUSER_LOOKS_AND_DELETES = {
    "changelist": ("403 200", "403 200"),
    "add": ("403 403", "403 403"),
    "history": ("403 200", "403 200"),
    "delete": ("403 200", "403 200"),
    "change": ("403 200", "403 403"),
    "object": ("302 302", "302 302"),
}


def admin_model(label: str, profile: dict, **pages: tuple[str, str]) -> dict[str, Row]:
    """The rows of one registered model's admin pages; `pages` overrides single pages of `profile`."""
    app_label, model = label.split(".")
    rows = {}
    for page, (get, post) in {**profile, **pages}.items():
        if page == "object":
            key = f"admin:admin/{app_label}/{model}/<object_id>/"
        else:
            key = f"admin:{app_label}_{model}_{page}"
        rows[key] = admin(get, post)
    return rows


ROWS |= {
    "admin:index": admin("200 200"),
    "admin:logout": admin("405 405", "200 200"),
    "admin:password_change": admin("200 200"),
    "admin:password_change_done": admin("200 200", "405 405"),
    "admin:autocomplete": admin("403 403", "405 405"),  # no field asked for
    "admin:jsi18n": admin("200 200", "405 405"),
    "admin:view_on_site": admin("404 404"),
    "admin:app_list": admin("200 200"),
    "admin:admin/<url>": admin("404 404"),
    "admin:auth_user_password_change": admin("403 200"),  # A's password: only the superuser sets it
    "admin:clinic_therapist_week": admin("200 200"),
    **admin_model(
        "auth.group",
        EDITABLE,
        add=("403 200", "403 200"),
        delete=("403 200", "403 200"),
        change=("200 200", "403 200"),
    ),
    # Deleting patient A's account closes it through the erasure service: the POST is the confirmation.
    **admin_model("clinic.user", EDITABLE, delete=("200 200", "302 302")),
    **admin_model("clinic.therapist", EDITABLE),
    **admin_model("clinic.licence", EDITABLE),
    **admin_model("clinic.licencetype", EDITABLE),
    **admin_model("clinic.clinicpolicy", EDITABLE, add=("403 403", "403 403"), delete=("403 403", "403 403")),
    **admin_model(
        "clinic.clinicprofile",
        EDITABLE,
        add=("403 403", "403 403"),
        delete=("403 403", "403 403"),
        change=("200 200", "302 302"),  # every field may be blank (the name falls back): an empty POST saves
    ),
    **admin_model("clinic.policypage", EDITABLE),
    **admin_model("clinic.outboxmessage", READ_ONLY),
    **admin_model("clinic.erasurerecord", READ_ONLY),
    # the change trail and the access log: read-only for everyone, superusers included
    **admin_model("clinic.accessevent", READ_ONLY),
    **admin_model("auditlog.logentry", READ_ONLY),
    **admin_model("account.emailaddress", EDITABLE),
    **admin_model("django_tasks_database.dbtaskresult", READ_ONLY),
    **admin_model("usersessions.usersession", SUPERUSER_LOOKS_AND_DELETES),
    # a second factor: seen and reset (deleted) by clinic admins, a superuser's only by a superuser
    **admin_model("mfa.authenticator", READ_ONLY, delete=("200 200", "200 200")),
    **admin_model("techniques.technique", EDITABLE),
    **admin_model("techniques.contraindication", EDITABLE),
    **admin_model("bookings.service", EDITABLE),
    **admin_model("bookings.weeklyhours", EDITABLE),
    **admin_model("bookings.timeoff", EDITABLE),
    **admin_model("bookings.closure", EDITABLE),
    **admin_model("bookings.appointment", READ_ONLY),
    **admin_model("intake.screeningrule", EDITABLE, delete=("403 403", "403 403")),
    **admin_model("intake.ruleset", READ_ONLY),
    **admin_model("intake.intake", READ_ONLY),
    **admin_model("intake.screeningresult", READ_ONLY),
    **admin_model("intake.checkin", READ_ONLY),
    **admin_model("intake.staffalert", READ_ONLY),
    **admin_model("intake.reviewdecision", READ_ONLY),
    **admin_model("intake.clearanceletter", READ_ONLY),
    **admin_model("intake.homecareplan", READ_ONLY),
}
