"""Container health check: is gunicorn answering the liveness probe?

Run by the image's HEALTHCHECK and the compose files, with the standard
library only, so it works however broken the application is. Exits 0 when
/health/live/ answers 200, 1 otherwise.
"""

import os
import sys
import urllib.request

# gunicorn binds to GUNICORN_BIND (gunicorn.conf.py); check the same port.
port = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000").rpartition(":")[2]
url = f"http://127.0.0.1:{port}/health/live/"

try:
    with urllib.request.urlopen(url, timeout=4) as response:
        healthy = response.status == 200
except OSError:
    healthy = False

sys.exit(0 if healthy else 1)
