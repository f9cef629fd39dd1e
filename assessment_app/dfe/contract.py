"""The DfE's published OpenAPI description, as the tests and the local mock server read it.

The file (openapi/npq-lead-provider-api-v3.yaml) is kept exactly as the DfE publishes it. It
writes `required: true` inside property schemas, which OpenAPI 3.0 does not allow (the parents'
`required` lists already say the same): a strict validator refuses the file, and Prism then
validates nothing, accepting `"has_passed": "yes"`. Its `filter` and `page` parameters are
`deepObject`s without `explode: true`, the only way OpenAPI defines one to be written
(`filter[updated_since]=...`, as the DfE's own guidance writes it). And a `nullable` field
with an `enum` (ineligible_for_funding_reason) must list null among its values to take it, which
the file does not, though the DfE sends null there. `normalised()` mends those three things, and
only those, so both check every request and response against what the DfE means.
"""

from pathlib import Path

import yaml

SPEC_PATH = Path(__file__).resolve().parent / "openapi" / "npq-lead-provider-api-v3.yaml"


def normalised() -> dict:
    spec = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    _mend_schemas(spec["components"]["schemas"])
    for operations in spec["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("style") == "deepObject":
                    parameter.setdefault("explode", True)
    return spec


def _mend_schemas(node) -> None:
    if isinstance(node, dict):
        if isinstance(node.get("required"), bool):
            del node["required"]
        if node.get("nullable") is True and "enum" in node and None not in node["enum"]:
            node["enum"] = [*node["enum"], None]
        for child in node.values():
            _mend_schemas(child)
    elif isinstance(node, list):
        for child in node:
            _mend_schemas(child)
