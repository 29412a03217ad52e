"""The lean floor's settings: production's, but with no middleware at all,
the customers paths answered by plain Django views when the request
carries X-Benchmark-Floor (benchmark_floor.urls), every other path by the
API (its views, without middleware too, for the same-bytes check)."""

from .production import *  # noqa: F403


class NoMiddleware(list):
    """Empty, but for allauth's start-up check, which refuses to start
    unless its middleware is listed: Django's handler loads none of it."""

    def __contains__(self, name: object) -> bool:
        return name == "allauth.account.middleware.AccountMiddleware"


INSTALLED_APPS = [*INSTALLED_APPS, "benchmark_floor"]  # noqa: F405
MIDDLEWARE = NoMiddleware()
API_URLCONF = ROOT_URLCONF  # noqa: F405
ROOT_URLCONF = "benchmark_floor.urls"
# The admin's and axes' checks that their middleware is listed: the floor
# serves no admin page and no log-in.
SILENCED_SYSTEM_CHECKS = [
    "admin.E408",
    "admin.E409",
    "admin.E410",
    "axes.W002",
]
