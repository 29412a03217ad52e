"""The fields of External Secrets Operator objects, strictly.

The operator's published models (npm @kubernetes-models/external-secrets,
generated from its CRDs and run by crd_models/validate.mjs) check types,
enums and patterns but let unknown fields through, which an API server
refuses with kubectl's strict field validation. This schema lists the
fields of external-secrets.io/v1 ExternalSecret that the manifests use, as
the API reference names them, and refuses any other. Values are the
models' to check.
"""

from jsonschema import Draft202012Validator

from .cnpg import strict
from .gateway_api import ANY, METADATA, items

GROUP = "external-secrets.io/"
EXTERNAL_SECRET_SPEC = strict(
    {
        "refreshInterval": ANY,
        "secretStoreRef": strict({"kind": ANY, "name": ANY}, ("name",)),
        "target": strict({"name": ANY, "template": strict({"type": ANY, "data": ANY})}, ("name",)),
        "data": items(
            strict({"secretKey": ANY, "remoteRef": strict({"key": ANY}, ("key",))}, ("secretKey",))
        ),
    },
    ("secretStoreRef", "target", "data"),
)


def errors(document: dict) -> list[str]:
    """Fields of an ExternalSecret that are not where the API has them."""
    schema = strict(
        {
            "apiVersion": {"const": f"{GROUP}v1"},
            "kind": {"const": "ExternalSecret"},
            "metadata": METADATA,
            "spec": EXTERNAL_SECRET_SPEC,
        },
        ("apiVersion", "kind", "metadata", "spec"),
    )
    return [
        f"ExternalSecret/{document['metadata'].get('name')} "
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in Draft202012Validator(schema).iter_errors(document)
    ]
