"""The page's log-in in the API's schema: django-allauth's own description
of the endpoints this service serves (its bundled OpenAPI 3.0 file), added
to drf-spectacular's by a postprocessing hook, since allauth's views are
plain Django views that drf-spectacular does not see.

Only the served paths and methods are kept (accounts.urls answers the rest
404), under /api/auth/browser/v1/, with allauth's components prefixed
(``Allauth...``, no clash with the project's), without what only its "app"
client gets, OpenAPI 3.1's null type for 3.0's ``nullable``, the session
and CSRF token as their security, and the answers every path can also give
here: nobody logged in (401) and the CSRF refusal or a missing second
factor (403), beside allauth's own; the lock-out and rate limits (429); the
database being away (503).
"""

import copy
import re
from pathlib import Path

import allauth.headless
import yaml

from .openapi import DETAIL, NAMES, RESPONSES

SPEC = Path(allauth.headless.__file__).parent / "spec" / "doc" / "openapi.yaml"
PREFIX = "/api/auth/browser/v1/"
# Path (after the prefix) -> the methods served. Public: no log-in needed.
SERVED = {
    "config": {"get"},
    "auth/login": {"post"},
    "auth/session": {"get", "delete"},
    "auth/reauthenticate": {"post"},
    "auth/2fa/authenticate": {"post"},
    "auth/2fa/reauthenticate": {"post"},
    "auth/password/request": {"post"},
    "auth/password/reset": {"get", "post"},
    "account/password/change": {"post"},
    "account/authenticators": {"get"},
    "account/authenticators/totp": {"get", "post", "delete"},
    "account/authenticators/recovery-codes": {"get", "post"},
}
PUBLIC = {
    "config",
    "auth/login",
    "auth/2fa/authenticate",
    "auth/password/request",
    "auth/password/reset",
    "auth/session",
}
# Answers the views give that allauth's description leaves out.
UNDESCRIBED = {
    ("account/password/change", "post"): {"200": "Authenticated"},
    ("account/authenticators/recovery-codes", "post"): {"200": "RecoveryCodes"},
}
REF = re.compile(r"^#/components/(\w+)/(\w+)$")
APP_ONLY = ("session_token", "access_token")


def _load() -> dict:
    spec: dict = yaml.safe_load(SPEC.read_text())
    return spec


def _refs(node) -> list[dict]:
    """Every mapping inside node that holds a $ref."""
    found: list[dict] = []
    _walk(node, lambda mapping: found.append(mapping) if "$ref" in mapping else None)
    return found


def _walk(node, visit) -> None:
    """visit(dict) on every mapping inside node, depth first."""
    if isinstance(node, dict):
        visit(node)
        for value in node.values():
            _walk(value, visit)
    elif isinstance(node, list):
        for value in node:
            _walk(value, visit)


def _to_openapi_31(node: dict) -> None:
    if node.pop("nullable", False) and "type" in node:
        node["type"] = [node["type"], "null"]


def _without_app_only(node: dict) -> None:
    """Drop what only allauth's "app" client gets (its session and access
    tokens, described and in examples): this service serves the browser
    client alone."""
    for name in APP_ONLY:
        if isinstance(node.get(name), str):
            del node[name]
    properties = node.get("properties")
    if isinstance(properties, dict):
        for name, schema in list(properties.items()):
            if "`app` clients only" in schema.get("description", ""):
                del properties[name]


def _operations(spec: dict) -> dict[str, dict]:
    """The served paths, with the served methods, without the client parameter."""
    paths = {}
    for path, item in spec["paths"].items():
        rest = re.sub(r"^/_allauth/(\{client\}|browser)/v1/", "", path)
        if rest == path or rest not in SERVED:
            continue
        kept = {}
        for method, operation in item.items():
            if method not in SERVED[rest]:
                continue
            parameters = [
                p for p in operation.get("parameters", []) if "Client" not in p.get("$ref", "")
            ]
            operation["parameters"] = parameters
            if not parameters:
                del operation["parameters"]
            operation["operationId"] = f"auth_{rest.replace('/', '_').replace('-', '_')}_{method}"
            operation["security"] = _security(rest, method)
            responses = operation["responses"]
            for code, name in UNDESCRIBED.get((rest, method), {}).items():
                responses.setdefault(code, {"$ref": f"#/components/responses/{name}"})
            # Nobody logged in: allauth's answer with the flows to log in,
            # beside what its description says (a reauthentication, say).
            if rest not in PUBLIC or "401" in responses:
                responses["401"] = _either(
                    spec, responses.get("401"), _schema(spec, "Authentication"), "Not logged in."
                )
            # The CSRF refusal and the missing second factor: {"detail": ...}.
            responses["403"] = _either(
                spec, responses.get("403"), DETAIL, "Not allowed, or the CSRF token is missing."
            )
            kept[method] = operation
        paths[f"{PREFIX}{rest}"] = kept
    return paths


def _schema(spec: dict, answer: str | dict | None) -> dict | None:
    """A copy of the JSON schema of one of allauth's answers (by name, or as
    written in an operation)."""
    response: dict | None = (
        {"$ref": f"#/components/responses/{answer}"} if isinstance(answer, str) else answer
    )
    if response and "$ref" in response:
        response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    if not response:
        return None
    schema = response.get("content", {}).get("application/json", {}).get("schema")
    return copy.deepcopy(schema) if schema else None


def _either(spec: dict, documented: dict | None, other: dict | None, description: str) -> dict:
    """An answer whose body is allauth's documented one or the other."""
    schemas = [schema for schema in (_schema(spec, documented), other) if schema]
    return {
        "description": description,
        "content": {"application/json": {"schema": {"anyOf": schemas}}},
    }


def _security(rest: str, method: str) -> list[dict]:
    session: dict[str, list] = {"cookieAuth": []} if rest not in PUBLIC else {}
    if method == "get":
        return [session]
    return [{**session, "csrfToken": []}]


def _components_used(spec: dict, paths: dict) -> dict[str, dict]:
    """allauth's components that the kept paths reach, renamed Allauth..."""
    components = spec["components"]
    used: dict[str, dict] = {}
    pending = [paths]
    while pending:
        for holder in _refs(pending.pop()):
            match = REF.match(holder["$ref"])
            if match is None:
                continue
            kind, name = match.groups()
            holder["$ref"] = f"#/components/{kind}/Allauth{name}"
            if name not in used.setdefault(kind, {}):
                used[kind][name] = components[kind][name]
                pending.append(components[kind][name])
    return {kind: {f"Allauth{n}": c for n, c in items.items()} for kind, items in used.items()}


def add_the_page_log_in(result: dict, generator, request, public) -> dict:
    """drf-spectacular's POSTPROCESSING_HOOKS entry."""
    spec = _load()
    _walk(spec, _to_openapi_31)
    _walk(spec, _without_app_only)
    paths = _operations(spec)
    components = _components_used(spec, paths)
    answers = result["components"].setdefault("responses", {})
    for operation in (op for item in paths.values() for op in item.values()):
        responses = operation["responses"]
        # The lock-out and allauth's limits, the database.
        for code in ("429", "503"):
            answers.setdefault(NAMES[code], RESPONSES[code]())
            responses.setdefault(code, {"$ref": f"#/components/responses/{NAMES[code]}"})
        operation["responses"] = dict(sorted(responses.items()))
    result["paths"] = dict(sorted({**result["paths"], **paths}.items()))
    for kind, items in components.items():
        result["components"].setdefault(kind, {}).update(items)
    result["components"]["responses"] = dict(sorted(result["components"]["responses"].items()))
    return result
