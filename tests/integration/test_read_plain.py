"""`marketplace.database.read_plain` reads on the session's own connection: it sees what the session has not
committed yet (flushed first, as the session's own reads are) and nothing once that is rolled back."""

from __future__ import annotations

from marketplace.extensions import db
from marketplace.models import Role
from orders.cart import item_count, read_cart
from orders.models import CartItem
from tests.factories import make_product, make_user


def test_the_cart_badge_and_the_saved_cart_count_what_this_request_just_added(app):
    honey = make_product(make_user(Role.COOPERATIVE).cooperative, name="Mật ong bạc hà", stock=10)
    buyer = make_user(Role.BUYER)
    db.session.commit()
    with app.test_request_context("/cart/add", method="POST"):
        db.session.add(CartItem(user_id=buyer.id, product_id=honey.id, quantity=2))  # pending, not flushed yet
        assert item_count(buyer) == 2
        assert read_cart(buyer) == {honey.id: 2}
        db.session.rollback()
        assert item_count(buyer) == 0
        assert read_cart(buyer) == {}
