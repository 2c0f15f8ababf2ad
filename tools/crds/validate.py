#!/usr/bin/env python3
"""Strict validation of custom resources in rendered manifests against vendored CRD schemas.

kubernetes-validate only warns (exit 0) about kinds it has no schema for, such as ExternalSecret and
SecretStore. This script checks those objects against the openAPIV3Schema of the CRDs vendored
under tools/crds/<release>/ (see NOTE.md there), the way the API server would, only stricter:

* every object schema that lists `properties` is closed (unknown fields are errors, where the API
  server would silently prune them), unless it says x-kubernetes-preserve-unknown-fields;
* `x-kubernetes-int-or-string` accepts an integer or a string;
* apiVersion and kind must name a schema we have: a custom resource of a vendored API group with no
  schema here is an error, not a skip.

Usage: validate.py <schema-dir> <manifest.yaml>...
Exit status: 0 when every custom resource of a vendored group is valid, 1 otherwise.
"""

from __future__ import annotations

import copy
import pathlib
import sys

import jsonschema
import yaml

# File name of each vendored schema -> (group/version, kind).
SCHEMAS = {
    "ExternalSecret-v1.yaml": ("external-secrets.io/v1", "ExternalSecret"),
    "SecretStore-v1.PARTIAL.yaml": ("external-secrets.io/v1", "SecretStore"),
}


def strict(schema: object) -> object:
    """The OpenAPI v3 structural schema as a closed JSON Schema."""
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: strict(value) for key, value in schema.items()}
    if out.pop("x-kubernetes-int-or-string", False):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if out.pop("nullable", False) and "type" in out:
        out["type"] = [out["type"], "null"]
    preserve = out.pop("x-kubernetes-preserve-unknown-fields", False)
    if "properties" in out and "additionalProperties" not in out and not preserve:
        out["additionalProperties"] = False
    return out


def load_schemas(directory: pathlib.Path) -> dict[tuple[str, str], dict]:
    schemas = {}
    for file_name, key in SCHEMAS.items():
        document = yaml.safe_load((directory / file_name).read_text())
        schema = strict(copy.deepcopy(document["openAPIV3Schema"]))
        jsonschema.Draft7Validator.check_schema(schema)
        schemas[key] = schema
    return schemas


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    schemas = load_schemas(pathlib.Path(argv[1]))
    groups = {api_version.split("/")[0] for api_version, _ in schemas}
    checked = failed = 0
    for path in argv[2:]:
        for document in yaml.safe_load_all(pathlib.Path(path).read_text()):
            if not isinstance(document, dict):
                continue
            api_version = str(document.get("apiVersion", ""))
            kind = document.get("kind", "")
            if api_version.split("/")[0] not in groups:
                continue
            name = f"{kind}/{document.get('metadata', {}).get('name', '?')}"
            checked += 1
            schema = schemas.get((api_version, kind))
            if schema is None:
                print(f"FAIL {path}: {name}: no vendored schema for {api_version} {kind}")
                failed += 1
                continue
            errors = sorted(
                jsonschema.Draft7Validator(schema).iter_errors(document),
                key=lambda error: list(error.absolute_path),
            )
            for error in errors:
                where = ".".join(str(part) for part in error.absolute_path) or "<root>"
                print(f"FAIL {path}: {name}: {where}: {error.message}")
            if errors:
                failed += 1
    print(f"crd-validate: {checked} custom resources checked, {failed} invalid")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
