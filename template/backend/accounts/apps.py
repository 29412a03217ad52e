from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"
    default = True

    def ready(self) -> None:
        from . import middleware, security  # noqa: F401  (their signal receivers)


class AdminConfig(admin_apps.AdminConfig):
    """Django's admin on this project's site (accounts.admin_site)."""

    default = False
    default_site = "accounts.admin_site.AdminSite"
