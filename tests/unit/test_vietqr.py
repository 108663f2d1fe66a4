"""VietQR payload builder against the public test vectors in docs/domain.md and the independent `vietnam-qr-pay` package."""

from __future__ import annotations

import pytest
from vietnam_qr_pay import QRPay

from orders.payments.vietqr import build_payload, clean_purpose, crc16
from orders.reconcile import code_candidates

VIETINBANK = (
    "00020101021238560010A0000007270126000697041501121133666688880208QRIBFTTA"
    "53037045405790005802VN62220818Ung Ho Quy Vac Xin63043ACF"
)
ACB_STATIC = "00020101021138530010A0000007270123000697041601092576788590208QRIBFTTA53037045802VN6304AE9F"


def test_dynamic_vector_with_amount_and_purpose():
    assert build_payload("970415", "113366668888", 79000, "Ung Ho Quy Vac Xin") == VIETINBANK


def test_static_vector_without_amount():
    assert build_payload("970416", "257678859") == ACB_STATIC


def test_crc_covers_everything_before_it():
    assert crc16(VIETINBANK[:-4]) == "3ACF"


def test_independent_decoder_reads_our_payload():
    payload = build_payload("970405", "3500205123456", 315000, "OCOP OC7K2Q9M")
    decoded = QRPay(payload)
    assert decoded.is_valid
    assert decoded.provider.guid == "A000000727"
    assert decoded.consumer.bank_bin == "970405"
    assert decoded.consumer.bank_number == "3500205123456"
    assert decoded.amount == "315000"
    assert decoded.currency == "704" and decoded.nation == "VN"
    assert decoded.additional_data.purpose == "OCOP OC7K2Q9M"


def test_independent_encoder_agrees():
    theirs = QRPay.init_viet_qr(
        bank_bin="970405", bank_number="3500205123456", amount="315000", purpose="OCOP OC7K2Q9M"
    )
    assert build_payload("970405", "3500205123456", 315000, "OCOP OC7K2Q9M") == theirs.build()


def test_purpose_is_ascii_without_accents():
    assert clean_purpose("Thanh toán đơn #OC7K2Q9M!") == "Thanh toan don OC7K2Q9M"


def test_bad_account_is_refused():
    with pytest.raises(ValueError):
        build_payload("97040", "12ab")


@pytest.mark.parametrize(
    "content",
    [
        "OCOP OC7K2Q9M",
        "ocop oc7k2q9m",
        "NGUYEN VAN A chuyen tien OCOP OC7K2Q9M FT25011234567",
        "MBVCB.3278907687.OCOPOC7K2Q9M.CT tu 0123 NGUYEN VAN A",
        "OCOP-OC7K 2Q9M",
        "OCOP OC7K2Q9M-GD 123456",
    ],
)
def test_order_code_found_in_bank_mangled_text(content):
    assert "OC7K2Q9M" in code_candidates(content)


def test_no_code_in_unrelated_text():
    assert code_candidates("chuyen tien an trua") == []
