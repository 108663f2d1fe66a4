"""The `traceability` blueprint that the area modules of `traceability.views` add their routes to."""

from flask import Blueprint

bp = Blueprint("traceability", __name__)
