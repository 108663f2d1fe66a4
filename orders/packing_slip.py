"""Packing slip PDF (A5) with Vietnamese text in DejaVu Sans."""

from __future__ import annotations

import io

from reportlab.lib.pagesizes import A5
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen import canvas

from marketplace.pdf import register_fonts
from marketplace.text import format_datetime, format_vnd
from marketplace.units import full_address

from .models import Order
from .payments import get_gateway

MARGIN = 12 * mm
TEXT_WIDTH = A5[0] - 2 * MARGIN


def packing_slip_pdf(order: Order) -> bytes:
    regular, bold = register_fonts()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A5)
    pdf.setTitle(f"Phiếu giao hàng {order.code}")
    height = A5[1]
    y = height - 15 * mm

    def line(text: str, size: int = 10, font: str = regular, gap: float = 5.5) -> None:
        """Draw `text`, wrapped inside the page's margins; `gap` is the space after its last line."""
        nonlocal y
        pdf.setFont(font, size)
        wrapped = simpleSplit(text, font, size, TEXT_WIDTH)
        for number, part in enumerate(wrapped):
            pdf.drawString(MARGIN, y, part)
            y -= (gap if number == len(wrapped) - 1 else size * 0.45) * mm

    line(f"PHIẾU GIAO HÀNG — {order.code}", 14, bold, 8)
    line(f"Người gửi: {order.cooperative.name}", 10, bold)
    line(full_address(order.cooperative.address, order.cooperative.commune))
    line(f"Điện thoại: {order.cooperative.phone}", gap=8)
    line(f"Người nhận: {order.ship_name} — {order.ship_phone}", 10, bold)
    line(full_address(order.ship_address, order.ship_commune), gap=8)
    line(f"Ngày đặt: {format_datetime(order.created_at)}")
    for item in order.lines:
        line(f"• {item.product_name} × {item.quantity} {item.unit} — {format_vnd(item.amount_vnd)}")
    y -= 2 * mm
    line(f"Phí giao hàng: {format_vnd(order.shipping_vnd)}")
    line(f"Tổng cộng: {format_vnd(order.total_vnd)}", 11, bold)
    cash = get_gateway(order.payment_method).settled_on_delivery
    line(f"Thu hộ khi giao (COD): {format_vnd(order.due_vnd)}" if cash else "Đã thanh toán trước")
    if order.note:
        line(f"Ghi chú: {order.note}")
    if order.carrier:
        line(f"Vận chuyển: {order.carrier} {order.tracking_no or ''}")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
