from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps

CACHED_ACCESS = "accounts.cached_access.ModelBackend"


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"
    default = True

    def ready(self) -> None:
        from django.conf import settings

        from . import middleware, security  # noqa: F401  (their signal receivers)

        if CACHED_ACCESS in settings.AUTHENTICATION_BACKENDS:
            # In every process, manage.py's too: a change anywhere must reach the cache.
            from .cached_access import connect

            connect()


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin on this project's site (accounts.admin_site)."""

    default = False
    default_site = "accounts.admin_site.AdminSite"
