from flask import Blueprint

bp = Blueprint("monitoring", __name__)
