"""Serve a mock of the DfE's NPQ lead-provider API, generated from its OpenAPI file by Prism
(npm's @stoplight/prism-cli, installed by `npm ci`), to try a DfE sync locally:

    .venv/bin/python scripts/dfe_mock_server.py [--port 4010]

It answers with data made up from the contract's schemas and refuses any request that breaks
them (422), or that has no bearer token (401). The contract is the DfE's file as mended by
assessment_app/dfe/contract.py, written to a temporary file for Prism to read.
"""

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from assessment_app.dfe.contract import normalised
from assessment_app.settings import PROJECT_ROOT

PRISM = PROJECT_ROOT / "node_modules" / ".bin" / "prism"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=4010)
    args = parser.parse_args()
    if not PRISM.exists():
        sys.exit("Prism is not installed: run `npm ci` first.")
    contract = Path(tempfile.mkdtemp()) / "npq-lead-provider-api-v3.json"
    contract.write_text(json.dumps(normalised()))
    os.execv(PRISM, [str(PRISM), "mock", "--dynamic", "--errors", "--host", "127.0.0.1",
                     "--port", str(args.port), str(contract)])


if __name__ == "__main__":
    main()
