"""The admin site, entered only through django-allauth's log-in, with the
second factor when ADMIN_SECOND_FACTOR is on (the default in staging and
production).

The admin has no password form of its own: Django's would log a user in
with the password alone, past the second factor, and that session would
serve the API as well. Its log-in page sends an anonymous visitor to
LOGIN_URL (with ?next= the admin): the page's log-in, or where there is no
page allauth's HTML one (accounts.admin_urls). Either asks for the second
factor of whoever has one; a member of staff then needs that step in this
session.
"""

from allauth.account.authentication import get_authentication_records
from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib.admin import AdminSite as DjangoAdminSite
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse


def second_factor_used(request: HttpRequest) -> bool:
    """Whether this session's log-in included the second factor."""
    user = request.user
    if not isinstance(user, AbstractBaseUser):
        return False
    records = get_authentication_records(request, user)
    return any(record.get("method") == "mfa" for record in records)


class AdminSite(DjangoAdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        return not settings.ADMIN_SECOND_FACTOR or second_factor_used(request)

    def login(self, request: HttpRequest, extra_context=None) -> HttpResponse:
        response: HttpResponse = secure_admin_login(self._logged_in)(request)
        return response

    def _logged_in(self, request: HttpRequest) -> HttpResponse:
        """Active staff, logged in through the page: on to the admin, or
        refused when the log-in lacked the second factor it needs."""
        if not self.has_permission(request):
            raise PermissionDenied("Log in with your second factor to use the admin.")
        return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
