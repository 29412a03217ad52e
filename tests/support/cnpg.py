"""A structural check of CloudNativePG and Barman Cloud plugin objects.

No package on PyPI or npm ships these operators' CRD schemas, so this is a
hand-written JSON Schema of the fields the manifests use, after CloudNativePG's
API reference (postgresql.cnpg.io/v1) and the plugin's (barmancloud.cnpg.io/v1):
names, types, enums and the fields each requires. Any other field is
refused, so a misspelt or misplaced one fails as the API server would.
"""

from jsonschema import Draft202012Validator

STRING = {"type": "string", "minLength": 1}
NAME = {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"}
QUANTITY = {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?(m|Ki|Mi|Gi|Ti)?$"}


def strict(properties: dict, required: tuple[str, ...] = (), **constraints) -> dict:
    return {
        "type": "object",
        "properties": properties,
        "required": list(required),
        "additionalProperties": False,
        **constraints,
    }


LOCAL_REF = strict({"name": NAME}, ("name",))
SECRET_KEY_REF = strict({"name": NAME, "key": STRING}, ("name", "key"))
RESOURCES = strict(
    {
        "requests": strict({"cpu": QUANTITY, "memory": QUANTITY}),
        "limits": strict({"cpu": QUANTITY, "memory": QUANTITY}),
    }
)
METADATA = {
    "type": "object",
    "properties": {
        "name": NAME,
        "generateName": STRING,
        "namespace": NAME,
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "additionalProperties": False,
    "anyOf": [{"required": ["name"]}, {"required": ["generateName"]}],
}
PLUGIN_CONFIGURATION = strict(
    {"name": STRING, "parameters": {"type": "object", "additionalProperties": {"type": "string"}}},
    ("name",),
)


def resource(api_version: str, kind: str, spec: dict) -> dict:
    return strict(
        {
            "apiVersion": {"const": api_version},
            "kind": {"const": kind},
            "metadata": METADATA,
            "spec": spec,
        },
        ("apiVersion", "kind", "metadata", "spec"),
    )


CLUSTER_SPEC = strict(
    {
        "instances": {"type": "integer", "minimum": 1},
        "imageCatalogRef": strict(
            {
                "apiGroup": {"const": "postgresql.cnpg.io"},
                "kind": {"enum": ["ImageCatalog", "ClusterImageCatalog"]},
                "name": NAME,
                "major": {"type": "integer", "minimum": 10},
            },
            ("kind", "name", "major"),
        ),
        "primaryUpdateStrategy": {"enum": ["supervised", "unsupervised"]},
        # PostgresConfiguration: parameters are postgresql.conf's, every value a string.
        "postgresql": strict(
            {"parameters": {"type": "object", "additionalProperties": {"type": "string"}}}
        ),
        "enableSuperuserAccess": {"type": "boolean"},
        "bootstrap": strict(
            {
                "initdb": strict(
                    {"database": STRING, "owner": STRING, "secret": LOCAL_REF},
                    ("database", "owner"),
                ),
                # A new cluster from a backup: the external cluster it names.
                "recovery": strict(
                    {"source": NAME, "recoveryTarget": strict({"targetTime": STRING})},
                    ("source",),
                ),
            },
            # One way to start, never both.
            maxProperties=1,
        ),
        "externalClusters": {
            "type": "array",
            "items": strict({"name": NAME, "plugin": PLUGIN_CONFIGURATION}, ("name", "plugin")),
        },
        # Roles beyond the owner, CloudNativePG's RoleConfiguration.
        "managed": strict(
            {
                "roles": {
                    "type": "array",
                    "items": strict(
                        {
                            "name": STRING,
                            "ensure": {"enum": ["present", "absent"]},
                            "comment": STRING,
                            "login": {"type": "boolean"},
                            "superuser": {"type": "boolean"},
                            "createdb": {"type": "boolean"},
                            "createrole": {"type": "boolean"},
                            "replication": {"type": "boolean"},
                            "bypassrls": {"type": "boolean"},
                            "inherit": {"type": "boolean"},
                            "connectionLimit": {"type": "integer", "minimum": -1},
                            "inRoles": {"type": "array", "items": STRING},
                            "passwordSecret": LOCAL_REF,
                            "disablePassword": {"type": "boolean"},
                        },
                        ("name",),
                    ),
                }
            }
        ),
        "storage": strict({"size": QUANTITY, "storageClass": STRING}, ("size",)),
        "affinity": strict(
            {
                "enablePodAntiAffinity": {"type": "boolean"},
                "topologyKey": STRING,
                "podAntiAffinityType": {"enum": ["preferred", "required"]},
            }
        ),
        "resources": RESOURCES,
        "plugins": {
            "type": "array",
            "items": strict(
                {
                    "name": STRING,
                    "enabled": {"type": "boolean"},
                    "isWALArchiver": {"type": "boolean"},
                    "parameters": {"type": "object", "additionalProperties": {"type": "string"}},
                },
                ("name",),
            ),
        },
    },
    ("instances", "storage"),
)
BACKUP_FIELDS = {
    "cluster": LOCAL_REF,
    "method": {"enum": ["barmanObjectStore", "volumeSnapshot", "plugin"]},
    "pluginConfiguration": PLUGIN_CONFIGURATION,
}
SCHEMAS = {
    ("postgresql.cnpg.io/v1", "Cluster"): resource(
        "postgresql.cnpg.io/v1", "Cluster", CLUSTER_SPEC
    ),
    ("postgresql.cnpg.io/v1", "ScheduledBackup"): resource(
        "postgresql.cnpg.io/v1",
        "ScheduledBackup",
        strict(
            {
                **BACKUP_FIELDS,
                # Six fields, seconds first.
                "schedule": {"type": "string", "pattern": r"^(\S+ ){5}\S+$"},
                "backupOwnerReference": {"enum": ["none", "self", "cluster"]},
                "immediate": {"type": "boolean"},
            },
            ("cluster", "schedule"),
        ),
    ),
    ("postgresql.cnpg.io/v1", "Backup"): resource(
        "postgresql.cnpg.io/v1", "Backup", strict(BACKUP_FIELDS, ("cluster",))
    ),
    ("barmancloud.cnpg.io/v1", "ObjectStore"): resource(
        "barmancloud.cnpg.io/v1",
        "ObjectStore",
        strict(
            {
                "retentionPolicy": {"type": "string", "pattern": "^[1-9][0-9]*[dwm]$"},
                "configuration": strict(
                    {
                        "destinationPath": {"type": "string", "pattern": "^(s3|gs|https)://"},
                        "endpointURL": STRING,
                        "s3Credentials": strict(
                            {"accessKeyId": SECRET_KEY_REF, "secretAccessKey": SECRET_KEY_REF},
                            ("accessKeyId", "secretAccessKey"),
                        ),
                        "wal": strict({"compression": {"enum": ["gzip", "bzip2", "snappy"]}}),
                        "data": strict({"compression": {"enum": ["gzip", "bzip2", "snappy"]}}),
                    },
                    ("destinationPath",),
                ),
            },
            ("configuration",),
        ),
    ),
}


def errors(document: dict) -> list[str]:
    """What is wrong with a CloudNativePG object; KeyError for another kind."""
    schema = SCHEMAS[(document["apiVersion"], document["kind"])]
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in Draft202012Validator(schema).iter_errors(document)
    ]
