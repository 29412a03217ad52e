from allauth.headless.account.views import RequestPasswordResetView
from allauth.headless.constants import Client
from django.http import HttpRequest, JsonResponse
from django.urls import path

from . import views
from .invitations.urls import public as invitation_urls

HEADLESS = "browser/v1/"
# django-allauth's routes this service has no use for (sign-up, log-in and
# reauthentication by mailed code, e-mail and phone management): not found,
# rather than left open to whoever finds them.
NOT_SERVED = [
    "auth/signup",
    "auth/code/confirm",
    "auth/reauthenticate/code/request",
    "auth/reauthenticate/code/confirm",
    "auth/reauthenticate/code/resend",
    "auth/email/verify",
    "auth/email/verify/resend",
    "auth/phone/verify",
    "auth/phone/verify/resend",
    "account/email",
    "account/phone",
]


def not_served(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"detail": "Not found."}, status=404)


urlpatterns = [
    path("csrf/", views.CsrfView.as_view(), name="auth-csrf"),
    path("me/", views.MeView.as_view(), name="auth-me"),
    # allauth's own path (included after this), with the current password
    # checked as a log-in is.
    path(
        f"{HEADLESS}account/password/change",
        views.PasswordChangeView.as_api_view(client=Client.BROWSER),
        name="auth-password-change",
    ),
    # allauth's own, answering known and unknown addresses in the same time.
    path(
        f"{HEADLESS}auth/password/request",
        views.answered_after_the_floor(RequestPasswordResetView.as_api_view(client=Client.BROWSER)),
        name="auth-password-reset-request",
    ),
    *(path(f"{HEADLESS}{route}", not_served) for route in NOT_SERVED),
    *invitation_urls,
]
