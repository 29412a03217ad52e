"""The fields of Gateway API objects, strictly.

Gateway API's published models (npm @kubernetes-models/gateway-api, run by
crd_models/validate.mjs) check types, enums, patterns, limits and required
fields, but let unknown fields through, which an API server refuses with
kubectl's strict field validation. This schema lists the fields of
gateway.networking.k8s.io/v1 that the manifests use, as the API reference
names them, and refuses any other: a misspelt or misplaced field fails here.
Values are the models' to check.
"""

from jsonschema import Draft202012Validator

from .cnpg import strict

ANY: dict = {}


def items(schema: dict) -> dict:
    return {"type": "array", "items": schema}


METADATA = strict({"name": ANY, "namespace": ANY, "labels": ANY, "annotations": ANY}, ("name",))
PARENT_REF = strict(
    {"group": ANY, "kind": ANY, "namespace": ANY, "name": ANY, "sectionName": ANY}, ("name",)
)
LOCAL_REF = strict({"group": ANY, "kind": ANY, "name": ANY}, ("name",))
HTTP_ROUTE_SPEC = strict(
    {
        "parentRefs": items(PARENT_REF),
        "hostnames": items(ANY),
        "rules": items(
            strict(
                {
                    "matches": items(strict({"path": strict({"type": ANY, "value": ANY})})),
                    "filters": items(
                        strict(
                            {
                                "type": ANY,
                                "requestRedirect": strict({"scheme": ANY, "statusCode": ANY}),
                            },
                            ("type",),
                        )
                    ),
                    "backendRefs": items(strict({"name": ANY, "port": ANY}, ("name",))),
                }
            )
        ),
    },
    ("parentRefs",),
)
GATEWAY_SPEC = strict(
    {
        "gatewayClassName": ANY,
        "listeners": items(
            strict(
                {
                    "name": ANY,
                    "protocol": ANY,
                    "port": ANY,
                    "hostname": ANY,
                    "tls": strict({"mode": ANY, "certificateRefs": items(LOCAL_REF)}),
                    "allowedRoutes": strict(
                        {
                            "kinds": items(strict({"group": ANY, "kind": ANY}, ("kind",))),
                            "namespaces": strict(
                                {
                                    "from": ANY,
                                    "selector": strict({"matchLabels": ANY}, ("matchLabels",)),
                                }
                            ),
                        }
                    ),
                },
                ("name", "protocol", "port"),
            )
        ),
    },
    ("gatewayClassName", "listeners"),
)
BACKEND_TLS_POLICY_SPEC = strict(
    {
        "targetRefs": items(
            strict({"group": ANY, "kind": ANY, "name": ANY, "sectionName": ANY}, ("name",))
        ),
        "validation": strict(
            {"caCertificateRefs": items(LOCAL_REF), "hostname": ANY}, ("hostname",)
        ),
    },
    ("targetRefs", "validation"),
)
SPECS = {
    "HTTPRoute": HTTP_ROUTE_SPEC,
    "Gateway": GATEWAY_SPEC,
    "BackendTLSPolicy": BACKEND_TLS_POLICY_SPEC,
}
GROUP = "gateway.networking.k8s.io/"


def errors(document: dict) -> list[str]:
    """Fields of a Gateway API object that are not where the API has them."""
    schema = strict(
        {
            "apiVersion": {"const": f"{GROUP}v1"},
            "kind": {"const": document["kind"]},
            "metadata": METADATA,
            "spec": SPECS[document["kind"]],
        },
        ("apiVersion", "kind", "metadata", "spec"),
    )
    return [
        f"{document['kind']}/{document['metadata'].get('name')} "
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in Draft202012Validator(schema).iter_errors(document)
    ]
