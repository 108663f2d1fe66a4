"""The `orders` blueprint that the area modules of `orders.views` add their routes to."""

from flask import Blueprint

bp = Blueprint("orders", __name__)
