"""The `integrations` blueprint that the area modules of `integrations.views` add their routes to."""

from flask import Blueprint

bp = Blueprint("integrations", __name__)
