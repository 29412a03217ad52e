"""The answer sets every render test runs over.

Each set is rendered once per session (see conftest.render) and shared by
every test that uses it. The feature switches are read from copier.yml, so a
new switch gets its own set without an edit here.
"""

from pathlib import Path

import yaml

COPIER_YML = Path(__file__).resolve().parents[2] / "copier.yml"
QUESTIONS = {
    name: spec
    for name, spec in yaml.safe_load(COPIER_YML.read_text()).items()
    if not name.startswith("_") and spec.get("when") is not False
}
FEATURES = [name for name, spec in QUESTIONS.items() if name.startswith("use_")]
# Not a question: PostgreSQL's settings in every render.
POSTGRES_SETTINGS: dict[str, str] = yaml.safe_load(COPIER_YML.read_text())["postgres_settings"][
    "default"
]

# The questionnaire's defaults: the full production stack, without Sentry.
DEFAULTS: dict = {}

ANSWER_SETS: dict[str, dict] = {
    "defaults": DEFAULTS,
    "everything-off": {feature: False for feature in FEATURES},
    # Every feature, with TLS ending at a load balancer instead of nginx, on
    # Python 3.13: with "renamed" on 3.12 and the default 3.14, every offered
    # Python renders, builds its image and runs the project's suite. A
    # second factor required of everyone.
    "all-on": {
        **{feature: True for feature in FEATURES},
        "tls_termination": "load_balancer",
        "python_version": "3.13",
        "second_factor_for_everyone": True,
    },
    # Non-default names, the oldest supported Python, and a Swarm deployment.
    "renamed": {
        "deploy_target": "swarm",
        "project_name": "Acme Client Registry",
        "project_slug": "acme-crm",
        "django_project": "acme_core",
        "domain_name": "crm.acme.test",
        "python_version": "3.12",
        "postgres_version": "16",
    },
    # Kubernetes manifests beside the compose stack: every feature with a
    # CloudNativePG cluster (all-on's twin, the same images), and every
    # feature off with an external database.
    "kubernetes": {
        **{feature: True for feature in FEATURES},
        "deploy_target": "kubernetes",
        "tls_termination": "load_balancer",
        "python_version": "3.13",
        "second_factor_for_everyone": True,
    },
    "kubernetes-everything-off": {
        **{feature: False for feature in FEATURES},
        "deploy_target": "kubernetes",
        "kubernetes_database": "external",
    },
}
# Each feature off on its own. Sentry is off by default, so "all-on" covers
# it. Rate limiting stays on in "no-redis" (nginx's limits alone) and in
# "no-frontend" (Django's alone).
for _feature in FEATURES:
    if _feature != "use_sentry":
        ANSWER_SETS[f"no-{_feature.removeprefix('use_').replace('_', '-')}"] = {_feature: False}

# Sets whose backend/ renders byte for byte as another set's: the deployment
# target and the compose-only switches do not reach it. The project's suite,
# mypy and Django's checks would run the same code on the same interpreter
# again and prove nothing new, so tests/test_backend.py runs them on the set
# named here only, and proves each twin's backend/ identical to it (remove
# a twin here when that test says its backend/ has become its own).
SAME_BACKEND_AS = {
    "kubernetes": "all-on",
    "kubernetes-everything-off": "everything-off",
    "no-backups": "defaults",
    "no-security-scan": "defaults",
}
