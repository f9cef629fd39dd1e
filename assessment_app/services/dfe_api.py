"""The DfE client this app is configured for (DFE_API_BASE_URL and DFE_API_TOKEN), or None."""

from flask import current_app

from ..dfe.client import DfeClient


def configured() -> bool:
    config = current_app.config
    return bool(config.get("DFE_API_BASE_URL") and config.get("DFE_API_TOKEN"))


def client() -> DfeClient | None:
    if not configured():
        return None
    config = current_app.config
    return DfeClient(config["DFE_API_BASE_URL"], config["DFE_API_TOKEN"],
                     timeout=float(config["DFE_API_TIMEOUT"]))
