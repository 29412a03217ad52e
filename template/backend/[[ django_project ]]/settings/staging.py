"""Staging: production's configuration with staging's own defaults.

Nothing else differs, so staging rehearses exactly what production runs. The
defaults are set before production reads the environment, so everything
derived from them (error-tracking environment, HSTS) follows; an explicit
variable in the staging environment still wins.
"""

import os

os.environ.setdefault("DJANGO_ENVIRONMENT", "staging")
# A staging host name must never end up on the browsers' HSTS preload list.
os.environ.setdefault("DJANGO_HSTS_PRELOAD", "false")

from .production import *

# Preloading is a decision for the production domain only (see above).
SILENCED_SYSTEM_CHECKS = ["security.W021"]
