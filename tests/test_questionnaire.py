"""copier.yml as a questionnaire: help, validators, derived defaults,
impossible combinations, no --trust."""

import json
import re
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import copier
import pytest
import yaml

from support.answers import QUESTIONS
from support.interpreters import find_python

TEMPLATE = Path(__file__).resolve().parent.parent
COPIER = str(Path(sys.executable).with_name("copier"))
# Copier puts its prompt mark (an emoji, two columns, and a space) before
# the first line of help, and "Validation error for question 'NAME': "
# before a validator's message in the prompt's bottom bar.
HELP_WIDTH = 80 - 3
SLUG = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$|^[a-z]$")


def copier_copy(destination: Path, *data: str, offline: bool = False):
    command = [COPIER, "copy", "--defaults", "--vcs-ref", "HEAD", "--quiet"]
    for item in data:
        command += ["--data", item]
    command += [str(TEMPLATE), str(destination)]
    if offline:
        # A network namespace of its own, with no interface but loopback.
        command = ["unshare", "--net", "--", *command]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def recorded_answers(destination: Path, **data) -> dict:
    """The questionnaire alone, through copier's API: answers for data and
    the defaults, with the answers file the only file written."""
    copier.run_copy(
        str(TEMPLATE),
        destination,
        data=data,
        defaults=True,
        quiet=True,
        vcs_ref="HEAD",
        exclude=["*", "!.copier-answers.yml"],
    )
    return yaml.safe_load((destination / ".copier-answers.yml").read_text())


def written_files(destination: Path) -> list[Path]:
    return [p for p in destination.rglob("*") if p.is_file()] if destination.exists() else []


def test_every_question_has_short_help_and_a_validator_where_a_value_can_be_wrong():
    for name, spec in QUESTIONS.items():
        lines = spec.get("help", "").splitlines()
        assert lines, f"{name} has no help"
        assert len(lines) <= 3, f"{name}: {len(lines)} lines of help (details: docs/questions.md)"
        for line in lines:
            assert len(line) <= HELP_WIDTH, f"{name}: help line over {HELP_WIDTH}: {line!r}"
        if spec["type"] != "bool" and "choices" not in spec:
            assert spec.get("validator", "").strip(), f"{name} takes any value"


@pytest.mark.parametrize("version", QUESTIONS["python_version"]["choices"])
def test_no_package_name_shadows_a_standard_library_module(version):
    names = yaml.safe_load((TEMPLATE / "copier.yml").read_text())["python_names"]["default"]
    listed = subprocess.run(
        [find_python(version), "-c", "import sys; print(*sorted(sys.stdlib_module_names))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    # django_project's pattern allows no capital and no leading underscore.
    importable = {name for name in listed if name.islower() and not name.startswith("_")}
    assert importable - set(names["modules"]) == set()


@pytest.mark.parametrize(
    ("data", "question", "message"),
    [
        (["project_name=   "], "project_name", "must not be empty"),
        (["project_name=Acme\nCorp"], "project_name", "must be one line, printable"),
        (
            ["project_name=Acme\N{RIGHT-TO-LEFT OVERRIDE}Corp"],
            "project_name",
            "must be one line, printable",
        ),
        (["project_name=!!!"], "project_slug", "type one, such as acme"),
        (["project_slug=Customer_Management"], "project_slug", "must match ^[a-z][a-z0-9-]*$"),
        (["project_slug=9lives"], "project_slug", "must match ^[a-z][a-z0-9-]*$"),
        (["project_slug=trailing-"], "project_slug", "must not end with a dash"),
        (["project_slug=" + "a" * 33], "project_slug", "must be 32 characters or fewer"),
        (["django_project=customer-management"], "django_project", "must match ^[a-z]"),
        (["django_project=_private"], "django_project", "must match ^[a-z][a-z0-9_]*$"),
        (["django_project=class"], "django_project", "is a Python keyword"),
        (["django_project=customers"], "django_project", "names a module already in use"),
        (["django_project=email"], "django_project", "names a module already in use"),
        (["django_project=redis"], "django_project", "names a module already in use"),
        (["django_project=Customer"], "django_project", "must match ^[a-z][a-z0-9_]*$"),
        (["domain_name=https://example.com"], "domain_name", "must be a lowercase FQDN only"),
        (["domain_name=localhost"], "domain_name", "must be a lowercase FQDN only"),
        (["default_from_email=noreply"], "default_from_email", "must look like a@example.com"),
        (
            ["server_email=Errors <errors@example.com>"],
            "server_email",
            "must look like a@example.com",
        ),
        (
            ["email_security=ssl"],
            "email_security",
            "'ssl' is not in ['starttls', 'tls']",
        ),
        # Outside the choices: copier's own message.
        (["python_version=3.11"], "python_version", "'3.11' is not in ['3.14', '3.13', '3.12']"),
        (["postgres_version=14"], "postgres_version", "'14' is not in ['18', '17', '16', '15']"),
        (
            ["deploy_target=k8s"],
            "deploy_target",
            "'k8s' is not in ['compose', 'swarm', 'kubernetes']",
        ),
        (["nginx_api_rate=10/s"], "nginx_api_rate", "must look like 10r/s or 600r/m"),
        (["nginx_auth_burst=-1"], "nginx_auth_burst", "must be from 0 to 1000"),
        (["customers_create_rate=100r/h"], "customers_create_rate", "must look like 100/h"),
        (["backup_retention_days=0"], "backup_retention_days", "must be from 1 to 3650"),
        # Rate limiting with nothing to count in: neither nginx nor Redis.
        (
            ["use_rate_limiting=true", "use_redis=false", "use_frontend=false"],
            "use_rate_limiting",
            "needs use_frontend (nginx's limits) or use_redis",
        ),
    ],
)
def test_a_wrong_answer_stops_the_render_naming_the_question_and_rule(
    tmp_path, data, question, message
):
    destination = tmp_path / "project"
    result = copier_copy(destination, *data)
    assert result.returncode != 0
    if "choices" in QUESTIONS[question]:
        line = f"Invalid choice for '{question}': {message}"
    else:
        line = f"Validation error for question '{question}': {message}"
    assert line in result.stderr, result.stderr
    # At the prompt a bool is a yes/no and a choice a menu: neither can be typed
    # wrong there, so only the other questions' messages must fit a prompt line
    # (copier's own message for a choice given by --data names every choice).
    if QUESTIONS[question]["type"] != "bool" and "choices" not in QUESTIONS[question]:
        shown = re.search(rf"{re.escape(line)}.*", result.stderr).group(0)
        assert len(shown) <= 80, f"cut off in an 80-column prompt: {shown!r}"
    assert written_files(destination) == []


def test_a_plain_render_needs_neither_network_nor_trust(tmp_path):
    if shutil.which("unshare") is None:
        pytest.fail("unshare (util-linux) is needed to render without a network")
    destination = tmp_path / "project"
    result = copier_copy(destination, offline=True)
    assert result.returncode == 0, result.stderr
    assert (destination / "backend" / "manage.py").is_file()


def test_the_answers_are_recorded_for_later_updates(render):
    answers = yaml.safe_load((render("defaults").path / ".copier-answers.yml").read_text())
    assert answers["_src_path"]
    assert answers["_commit"]
    assert answers["project_slug"] == "customer-management"
    assert answers["django_project"] == "customer_management"
    assert answers["use_redis"] is True
    assert answers["use_rate_limiting"] is True
    assert answers["use_sentry"] is False
    # Values computed from the answers are never recorded: an update computes them again.
    computed = {
        name
        for name, spec in yaml.safe_load((TEMPLATE / "copier.yml").read_text()).items()
        if isinstance(spec, dict) and spec.get("when") is False
    }
    assert {"slug_from_name", "python_names", "django_rate_limits", "images"} <= computed
    assert computed & set(answers) == set()


def test_without_redis_only_nginx_limits_the_rate(render):
    project = render("no-redis")
    assert project.answers["use_rate_limiting"] is True
    # Django's limits need a cache every process shares: never asked, not installed.
    assert "customers_create_rate" not in project.answers
    assert "customers_list_rate" not in project.answers
    settings = project.backend / project.django_project / "settings/base.py"
    # No Django rate setting (CUSTOMERS_*_RATE); the schema knows nginx's limits.
    assert not re.search(r"\b\w+_RATE\b", settings.read_text())
    assert "API_PROXY_RATE_LIMITS = True" in settings.read_text()
    assert "rate_limit" not in (project.backend / "customers/views.py").read_text()
    assert not (project.backend / "customers/ratelimit.py").exists()
    assert not (project.backend / "customers/exceptions.py").exists()
    assert not (project.backend / "tests/test_rate_limits.py").exists()
    # nginx's limits do not: asked, and in its config.
    assert project.answers["nginx_api_rate"] == "10r/s"
    assert "limit_req_zone" in (project.path / "frontend/nginx/default.conf.template").read_text()


def test_without_the_frontend_only_django_limits_the_rate(render):
    project = render("no-frontend")
    assert project.answers["use_rate_limiting"] is True
    assert "nginx_api_rate" not in project.answers
    assert project.answers["customers_create_rate"] == "100/h"
    assert "@rate_limit(" in (project.backend / "customers/views.py").read_text()
    assert (project.backend / "customers/ratelimit.py").is_file()
    assert (project.backend / "tests/test_rate_limits.py").is_file()


def test_rate_limiting_is_not_offered_with_neither_nginx_nor_redis(render):
    project = render("everything-off")
    assert "use_rate_limiting" not in project.answers  # never asked
    assert not (project.backend / "customers/ratelimit.py").exists()


def test_the_slug_is_derived_from_the_name(tmp_path):
    destination = tmp_path / "project"
    result = copier_copy(destination, "project_name=Acme Client Registry")
    assert result.returncode == 0, result.stderr
    answers = yaml.safe_load((destination / ".copier-answers.yml").read_text())
    assert answers["project_slug"] == "acme-client-registry"
    assert answers["django_project"] == "acme_client_registry"


@pytest.mark.parametrize(
    ("name", "slug", "django_project"),
    [
        ("Customer Management", "customer-management", "customer_management"),
        ("Acme, Inc.", "acme-inc", "acme_inc"),
        ("O'Reilly & Sons", "oreilly-sons", "oreilly_sons"),
        (
            "O\N{RIGHT SINGLE QUOTATION MARK}Brien\N{RIGHT SINGLE QUOTATION MARK}s Bikes",
            "obriens-bikes",
            "obriens_bikes",
        ),
        ("Café Zoë", "cafe-zoe", "cafe_zoe"),
        ("Straße 42", "strasse-42", "strasse_42"),
        ("Æsir Øl Ltd.", "aesir-ol-ltd", "aesir_ol_ltd"),
        (
            "İstanbul Şehir Hatlar\N{LATIN SMALL LETTER DOTLESS I}",
            "istanbul-sehir-hatlari",
            "istanbul_sehir_hatlari",
        ),
        ("Łódź Ñandú", "lodz-nandu", "lodz_nandu"),
        (
            "\N{FULLWIDTH LATIN CAPITAL LETTER F}\N{FULLWIDTH LATIN SMALL LETTER U}ll Width",
            "full-width",
            "full_width",
        ),
        ("🚀 Rocket 🚀 Launch", "rocket-launch", "rocket_launch"),
        ("東京 Store", "store", "store"),
        ("  --Dashes__and   spaces--  ", "dashes-and-spaces", "dashes_and_spaces"),
        ('Back\\slash "Quoted" 100%', "back-slash-quoted-100", "back_slash_quoted_100"),
        (
            r"Fake \N{LATIN SMALL LETTER A} escape",
            "fake-n-latin-small-letter-a-esca",
            "fake_n_latin_small_letter_a_esca",
        ),
        # Cut at 32 characters, and never on a dash.
        (
            "North Western Customer Services Group",
            "north-western-customer-services",
            "north_western_customer_services",
        ),
        # A leading digit gets "app-": a slug and a package start with a letter.
        ("3M Portal", "app-3m-portal", "app_3m_portal"),
        ("2048", "app-2048", "app_2048"),
        # A package that would shadow a module, or is a keyword, gets "_project".
        ("Email", "email", "email_project"),
        ("Django", "django", "django_project"),
        ("Class", "class", "class_project"),
        ("Tests", "tests", "tests_project"),
    ],
)
def test_every_name_gives_a_valid_slug_and_package(tmp_path, name, slug, django_project):
    answers = recorded_answers(tmp_path / "project", project_name=name)
    assert answers["project_name"] == name
    assert SLUG.match(answers["project_slug"])
    assert (answers["project_slug"], answers["django_project"]) == (slug, django_project)


@pytest.mark.parametrize("name", ["!!!", "...", "🚀🚀", "東京", "— ¿? —"])
def test_a_name_without_letters_or_digits_asks_for_a_slug(tmp_path, name):
    with pytest.raises(ValueError, match=r"'project_slug': type one, such as acme$"):
        recorded_answers(tmp_path / "project", project_name=name)
    # Given one, the rest follows from it.
    answers = recorded_answers(tmp_path / "given", project_name=name, project_slug="rocket")
    assert (answers["project_slug"], answers["django_project"]) == ("rocket", "rocket")


def test_a_hostile_name_renders_valid_files(tmp_path):
    name = 'Zoë\'s "Quoted" \\ 100% Café'
    destination = tmp_path / "project"
    result = copier_copy(destination, f"project_name={name}")
    assert result.returncode == 0, result.stderr
    pyproject = tomllib.loads((destination / "backend/pyproject.toml").read_text())
    assert pyproject["project"]["description"] == f"{name}: Django REST API"
    dashboard = json.loads((destination / "monitoring/grafana/dashboards/service.json").read_text())
    assert dashboard["title"] == f"{name}: service"
    timer = (destination / "deploy/systemd/zoes-quoted-100-cafe-backup.timer").read_text()
    # systemd expands %-specifiers in Description=; %% is a literal percent sign.
    assert 'Description=Zoë\'s "Quoted" \\ 100%% Café: daily backup\n' in timer


class Terminal:
    """`copier copy` in an 80-column terminal (tmux on a server of its own),
    typed at and read as a person would."""

    def __init__(self, directory: Path):
        self.socket = f"questionnaire-{directory.name}"
        self.directory = directory
        self.runs = 0

    def tmux(self, *args: str) -> str:
        command = ["tmux", "-L", self.socket, *args]
        return subprocess.run(command, capture_output=True, text=True, check=True).stdout

    def start(self) -> None:
        self.runs += 1
        destination = self.directory / f"project-{self.runs}"
        command = f"{COPIER} copy --vcs-ref HEAD {TEMPLATE} {destination} 2>&1; echo EXIT=$?"
        # remain-on-exit keeps the last screen readable after copier ends.
        self.tmux(
            "-f",
            "/dev/null",
            "new-session",
            "-d",
            "-s",
            f"run{self.runs}",
            "-x",
            "80",
            "-y",
            "40",
            command,
        )
        self.tmux("set-option", "-t", f"run{self.runs}", "remain-on-exit", "on")

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", f"run{self.runs}")

    def wait_for(self, text: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            assert "Traceback" not in screen, screen
            if text in screen:
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never shown:\n{self.screen()}")

    def type(self, text: str, *, replace: bool = False, enter: bool = True) -> None:
        if replace:
            self.tmux("send-keys", "-t", f"run{self.runs}", "C-u")
        self.tmux("send-keys", "-t", f"run{self.runs}", "-l", text)
        if enter:
            self.tmux("send-keys", "-t", f"run{self.runs}", "Enter")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, check=False)


@pytest.fixture
def terminal(tmp_path):
    if shutil.which("tmux") is None:
        pytest.fail("tmux is needed to type at the questionnaire (tools/system-packages.txt)")
    terminal = Terminal(tmp_path)
    try:
        yield terminal
    finally:
        terminal.close()


def test_a_typed_name_gets_a_valid_default_or_a_request_never_a_traceback(terminal):
    terminal.start()
    terminal.wait_for("Name of the service")
    terminal.type("Acme, Inc.", replace=True)
    terminal.wait_for("\n   acme-inc\n")
    terminal.type("")
    terminal.wait_for("\n   acme_inc\n")

    # A name with nothing to make a slug of: no default, the help says so,
    # and an empty or wrong answer is refused at the prompt.
    terminal.start()
    terminal.wait_for("Name of the service")
    terminal.type("¡¡¡ 🚀 !!!", replace=True)
    terminal.wait_for("Your project_name gives none: type one.")
    terminal.type("")
    terminal.wait_for("Validation error for question 'project_slug': type one, such as acme")
    terminal.type("9lives", enter=False)
    terminal.wait_for("'project_slug': must match ^[a-z][a-z0-9-]*$")
    terminal.type("rocket", replace=True)
    terminal.wait_for("\n   rocket\n")  # django_project's default, from the slug
