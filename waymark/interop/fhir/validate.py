"""Validation against the official HL7 FHIR R4 JSON schema, vendored in schema/ (see schema/README.md).

The schema is read once per process (lru_cache) and one draft-6 validator is compiled per resource type, so
an error names the field inside the resource ("gender: "woman" is not one of …") rather than the schema's
146-way choice of resource types. Pure module: no Django.
"""

import functools
import gzip
import hashlib
import json
from pathlib import Path
from typing import Any

import jsonschema_rs

SCHEMA_PATH = Path(__file__).resolve().parent / "schema" / "fhir.schema.json.gz"
SCHEMA_ID = "http://hl7.org/fhir/json-schema/4.0"
SCHEMA_SHA256 = "15b9548af6412c44faaa411456e0652542de286fd1c58ef882b09bdc8947909d"


def schema_bytes() -> bytes:
    """The unzipped schema file, byte for byte."""
    return gzip.decompress(SCHEMA_PATH.read_bytes())


def schema_sha256() -> str:
    return hashlib.sha256(schema_bytes()).hexdigest()


@functools.lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(schema_bytes())
    return loaded


def resource_types() -> frozenset[str]:
    return frozenset(schema()["discriminator"]["mapping"])


@functools.cache
def _validator(resource_type: str) -> Any:
    full = schema()
    if resource_type not in full["discriminator"]["mapping"]:
        raise ValueError(f"{resource_type!r} is not a FHIR R4 resource type.")
    # The whole schema (for its definitions), its root choice replaced by the one resource type.
    one = {key: value for key, value in full.items() if key != "oneOf"}
    one["$ref"] = f"#/definitions/{resource_type}"
    return jsonschema_rs.Draft6Validator(one)


def _path(parts: Any) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def resource_errors(resource: dict[str, Any]) -> list[str]:
    """Every way `resource` breaks the R4 schema, as "field: message" lines ([] when it is valid)."""
    resource_type = resource.get("resourceType") if isinstance(resource, dict) else None
    if not isinstance(resource_type, str) or resource_type not in resource_types():
        return [f"resourceType: {resource_type!r} is not a FHIR R4 resource type."]
    errors = []
    for error in _validator(resource_type).iter_errors(resource):
        where = _path(error.instance_path) or "(resource)"
        errors.append(f"{where}: {error.message}")
    return errors


def is_valid(resource: dict[str, Any]) -> bool:
    return not resource_errors(resource)
