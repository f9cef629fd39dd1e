"""The participant blueprint, on which the modules of participant/ register their routes; in a
module of its own so that they import it from here, not from the package that imports them."""

from flask import Blueprint

bp = Blueprint("participant", __name__, url_prefix="/assessments")
