"""Where the project's parts are, and the names its answers gave them
(project.json, written when the project was rendered)."""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BACKEND = ROOT / "backend"
FRONTEND = ROOT / "frontend"
MONITORING = ROOT / "monitoring"
SCRIPTS = ROOT / "scripts"

_names = json.loads((Path(__file__).with_name("project.json")).read_text())
SLUG: str = _names["slug"]
DJANGO_PROJECT: str = _names["django_project"]
DOMAIN: str = _names["domain"]
# PostgreSQL's settings in every deployment, which the rehearsal's server runs with.
POSTGRES_SETTINGS: dict[str, str] = _names["postgres_settings"]
