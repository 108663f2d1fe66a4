"""Models for orders (cart, checkout, orders, payments)."""
