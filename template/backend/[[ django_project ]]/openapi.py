"""The API's OpenAPI schema (drf-spectacular): the answers it does not see.

drf-spectacular documents what a view returns when it succeeds. The
answers it cannot see are added here, from what the view is configured
with, so that every answer the API can give is in the schema and nothing
else is:

- 400 where the request has a body, filters or a page size to validate
  (and the filters' limits: no NUL, their max_length), 415 where a body
  that is not JSON is refused;
- 401 where a log-in is needed and the first authentication class asks for
  one (an API token: ``WWW-Authenticate: Token``), 403 where it is needed
  and none is asked for (the session alone);
- 403 where a model permission decides, and on a change made with the
  session, which needs the CSRF token (also a security requirement here),
  as the log-in and log-out do always (``checks_csrf`` on the view);
- 404 on a path with an id, and on a list whose cursor is not one it made;
- 429 where a limit applies: nginx's per-client budget on every /api/ path
  (API_PROXY_RATE_LIMITS), Django's on the views' ``rate_limited_actions``,
  the lock-out of failed log-ins on the log-in and the password change
  (``rate_limited`` on the view);
- 503 everywhere: the database is unreachable (dependencies.py).

The schema is committed as backend/openapi.json; CI and the tests fail when
the code and that file differ (README, "API contract").
"""

from django.conf import settings
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.openapi import AutoSchema as GeneratedSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import SAFE_METHODS, AllowAny, DjangoModelPermissions


class KnoxSubclassTokenScheme(KnoxTokenScheme):
    """knox's token scheme, also for a subclass of its authentication class
    (accounts.cached_access's reads the same tokens from a cache)."""

    match_subclasses = True


SESSION = "cookieAuth"
CSRF = "csrfToken"

DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# DRF's validation errors: a list of messages per field (non_field_errors
# for the whole body), or one "detail" message for a body it cannot parse.
VALIDATION = {
    "type": "object",
    "additionalProperties": {
        "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
    },
}


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _too_many_requests() -> dict:
    content = {}
    if getattr(settings, "API_PROXY_RATE_LIMITS", False):
        # nginx's own error page: it answers before the request reaches Django.
        content["text/html"] = {"schema": {"type": "string"}}
    content.update(_json(DETAIL))
    return {
        "description": "Too many requests from this client; try again later (Retry-After,"
        " when sent, says how many seconds).",
        "content": content,
    }


RESPONSES = {
    "400": lambda: {"description": "The request is not valid.", "content": _json(VALIDATION)},
    "401": lambda: {
        "description": "No valid credentials: log in, or send a valid API token.",
        "content": _json(DETAIL),
    },
    "403": lambda: {
        "description": "Not allowed: a permission or the CSRF token is missing.",
        "content": _json(DETAIL),
    },
    "404": lambda: {"description": "No such object, or no such page.", "content": _json(DETAIL)},
    "415": lambda: {
        "description": "The body is not JSON (Content-Type: application/json).",
        "content": _json(DETAIL),
    },
    "429": _too_many_requests,
    "503": lambda: {
        "description": "The database is unavailable; try again after Retry-After seconds.",
        "headers": {"Retry-After": {"required": True, "schema": {"type": "integer"}}},
        "content": _json(DETAIL),
    },
}
NAMES = {
    "400": "BadRequest",
    "401": "Unauthorized",
    "403": "Forbidden",
    "404": "NotFound",
    "415": "UnsupportedMediaType",
    "429": "TooManyRequests",
    "503": "ServiceUnavailable",
}


class AutoSchema(GeneratedSchema):
    def get_auth(self) -> list[dict]:
        requirements = super().get_auth()
        # Views that check the token themselves (the log-in and log-out) need
        # it on every request, with a session or without.
        checked = getattr(self.view, "checks_csrf", False)
        if not checked and (self.method in SAFE_METHODS or not self._session()):
            return requirements
        self._register(
            ResolvedComponent.SECURITY_SCHEMA,
            CSRF,
            {
                "type": "apiKey",
                "in": "header",
                # Django's CSRF_HEADER_NAME (HTTP_X_CSRFTOKEN), as a client writes it.
                "name": "X-CSRFToken",
                "description": "With the session, every change also needs the CSRF token:"
                " the csrftoken cookie's value (GET /api/auth/csrf/) in this header.",
            },
        )
        return [{**r, CSRF: []} if checked or SESSION in r else r for r in requirements]

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation["responses"]
        for code in self._error_codes(operation):
            if code not in responses:
                responses[code] = self._register(
                    ResolvedComponent.RESPONSE, NAMES[code], RESPONSES[code]()
                )
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def _get_filter_parameters(self) -> list[dict]:
        # What the filters' form fields refuse with a 400, stated: a NUL in
        # any text (Django's ProhibitNullCharactersValidator) and more than
        # a filter's max_length.
        parameters: list[dict] = super()._get_filter_parameters()
        filterset = getattr(self.view, "filterset_class", None)
        filters = filterset.base_filters if filterset else {}
        for parameter in parameters:
            schema = parameter.get("schema", {})
            if schema.get("type") != "string" or "enum" in schema:
                continue
            schema["pattern"] = "^[^\\x00]*$"
            declared = filters.get(parameter["name"])
            if declared is not None and declared.extra.get("max_length"):
                schema["maxLength"] = declared.extra["max_length"]
        return parameters

    def _error_codes(self, operation: dict) -> set[str]:
        codes = {"503"}
        permissions = self.view.get_permissions()
        public = any(isinstance(p, AllowAny) for p in permissions)
        authenticators = self.view.get_authenticators()
        paginated = self._is_list_view() and self._get_paginator()
        if "requestBody" in operation or self._get_filter_parameters() or paginated:
            codes.add("400")
        if "requestBody" in operation:
            codes.add("415")
        if not public:
            challenge = authenticators and authenticators[0].authenticate_header(None)  # type: ignore[arg-type]  # no request here
            codes.add("401" if challenge else "403")
        if any(isinstance(p, DjangoModelPermissions) for p in permissions):
            codes.add("403")
        csrf = self.method not in SAFE_METHODS and self._session()
        if csrf or hasattr(self.view, "checks_csrf"):
            codes.add("403")
        if "{" in self.path or paginated:
            codes.add("404")
        action = getattr(self.view, "action", None)
        if (
            getattr(settings, "API_PROXY_RATE_LIMITS", False)
            or action in getattr(self.view, "rate_limited_actions", ())
            or getattr(self.view, "rate_limited", False)
        ):
            codes.add("429")
        return codes

    def _session(self) -> bool:
        return any(isinstance(a, SessionAuthentication) for a in self.view.get_authenticators())

    def _register(self, kind: str, name: str, schema: dict) -> dict:
        component = ResolvedComponent(name=name, type=kind, object=name, schema=schema)
        self.registry.register_on_missing(component)
        return component.ref
