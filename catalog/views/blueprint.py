"""The `catalog` blueprint that the area modules of `catalog.views` add their routes to."""

from flask import Blueprint

bp = Blueprint("catalog", __name__)
