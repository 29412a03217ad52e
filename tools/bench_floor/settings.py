"""The lean floor's settings: production's, but with no middleware at all,
the customers paths answered by plain Django views when the request
carries X-Benchmark-Floor (benchmark_floor.urls), every other path by the
API (its views, without middleware too, for the same-bytes check)."""

from .production import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "benchmark_floor"]  # noqa: F405
MIDDLEWARE = []
API_URLCONF = ROOT_URLCONF  # noqa: F405
ROOT_URLCONF = "benchmark_floor.urls"
