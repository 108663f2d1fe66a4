"""The allowed moves of the order state machine, as data."""

from __future__ import annotations

import itertools

from orders.models import OrderStatus as S
from orders.states import ALLOWED, can_move


def test_every_state_has_a_row():
    assert set(ALLOWED) == set(S)


def test_prepaid_path():
    path = [S.PENDING_PAYMENT, S.PAID, S.CONFIRMED, S.SHIPPED, S.DELIVERED, S.COMPLETED]
    assert all(can_move(a, b) for a, b in itertools.pairwise(path))


def test_cash_on_delivery_path():
    path = [S.AWAITING_CONFIRMATION, S.CONFIRMED, S.SHIPPED, S.DELIVERED]
    assert all(can_move(a, b) for a, b in itertools.pairwise(path))


def test_refund_and_terminal_states():
    assert can_move(S.PAID, S.REFUND_REQUESTED) and can_move(S.REFUND_REQUESTED, S.REFUNDED)
    assert not can_move(S.PENDING_PAYMENT, S.SHIPPED)
    assert not can_move(S.SHIPPED, S.CANCELLED)
    for terminal in (S.COMPLETED, S.REFUNDED):
        assert ALLOWED[terminal] == frozenset()


def test_money_states():
    assert can_move(S.PENDING_PAYMENT, S.REFUND_REQUESTED)  # under-paid, then cancelled or expired
    assert can_move(S.SHIPPED, S.REFUND_REQUESTED)
    assert ALLOWED[S.CANCELLED] == frozenset({S.PAID})  # reopened when late money covers it
    assert can_move(S.REFUND_REQUESTED, S.PAID)
