"""The load benchmark's floor: the customers API's paths answer with plain
Django views when the request carries X-Benchmark-Floor (benchmark_floor)."""

from .production import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "benchmark_floor"]  # noqa: F405
API_URLCONF = ROOT_URLCONF  # noqa: F405
ROOT_URLCONF = "benchmark_floor.urls"
