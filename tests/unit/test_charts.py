"""The SVG chart module: well-formed, accessible, escaped, no inline style, numbers where they belong."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest

from workspace.charts import (
    Point,
    axis_top,
    bar_chart,
    compact_number,
    donut_chart,
    group_digits,
    hbar_chart,
    line_chart,
    nice_ceiling,
    shorten,
)
from workspace.sqlfuncs import local_bucket

SVG = "{http://www.w3.org/2000/svg}"
MONTHS = [Point(f"{m:02d}/2026", v) for m, v in zip(range(1, 13), [3, 0, 7, 12, 5, 9, 1, 4, 4, 8, 2, 6], strict=True)]
CHARTS = [bar_chart, hbar_chart, line_chart, donut_chart]


def parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))  # noqa: S314 — our own output, parsed to check it


@pytest.mark.parametrize("chart", CHARTS)
def test_every_chart_is_accessible_well_formed_svg(chart):
    root = parse(chart(MONTHS, title="Đơn hàng theo tháng", desc="Số đơn mỗi tháng"))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == "Đơn hàng theo tháng" and desc.text == "Số đơn mỗi tháng"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert root.get("viewBox").startswith("0 0 360 ")


@pytest.mark.parametrize("chart", CHARTS)
def test_no_style_attribute_and_no_script(chart):
    text = str(chart(MONTHS, title="t"))
    assert "style=" not in text and "<script" not in text and "<style" not in text


@pytest.mark.parametrize("chart", CHARTS)
def test_labels_and_titles_are_escaped(chart):
    hostile = [Point('<script>alert("x")</script> & Nấm', 5), Point("Chè", 3)]
    svg = chart(hostile, title="<b>Tiêu đề</b>")
    text = str(svg)
    assert "<script>" not in text and "<b>" not in text
    root = parse(svg)  # still well-formed after escaping
    assert root.find(f"{SVG}title").text == "<b>Tiêu đề</b>"
    assert any("Nấm" in (el.text or "") for el in root.iter())


@pytest.mark.parametrize("chart", CHARTS)
def test_empty_data_draws_a_message_not_an_error(chart):
    for points in ([], [Point("a", 0), Point("b", 0)]):
        root = parse(chart(points, title="Lượt quét", empty_text="Chưa có dữ liệu"))
        texts = [el.text for el in root.iter(f"{SVG}text")]
        assert texts == ["Chưa có dữ liệu"]


def test_bar_heights_are_proportional_to_values():
    root = parse(bar_chart([Point("a", 10), Point("b", 5), Point("c", 0)], title="t"))
    heights = [float(r.get("height")) for r in root.iter(f"{SVG}rect")]
    assert heights[0] == pytest.approx(2 * heights[1])
    assert heights[2] == 0


def test_bar_chart_thins_out_crowded_axis_labels_but_keeps_every_bar():
    days = [Point(f"{d:02d}/11", d) for d in range(1, 31)]
    root = parse(bar_chart(days, title="t"))
    assert len(list(root.iter(f"{SVG}rect"))) == 30
    axis_labels = [t.text for t in root.iter(f"{SVG}text") if "/11" in (t.text or "")]
    assert 3 <= len(axis_labels) < 30
    bar_titles = [g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g")]
    assert "30/11: 30" in bar_titles


def test_hbar_shows_full_label_in_title_and_value_beside_bar():
    long = "Hợp tác xã Nông nghiệp và Dịch vụ Tổng hợp Mật ong Chè Shan Tuyết Mường Lát"
    root = parse(hbar_chart([Point(long, 1_250_000)], title="Doanh thu", value_format=lambda v: f"{v} ₫"))
    group = root.find(f"{SVG}g")
    assert group.find(f"{SVG}title").text == f"{long}: 1250000 ₫"
    texts = [t.text for t in group.iter(f"{SVG}text")]
    assert texts[0].endswith("…") and len(texts[0]) <= 44
    assert texts[1] == "1250000 ₫"


def test_line_chart_has_one_vertex_per_point():
    root = parse(line_chart(MONTHS, title="t"))
    polyline = root.find(f"{SVG}polyline")
    assert len(polyline.get("points").split()) == 12
    assert polyline.get("stroke") == "#1f6f43"


def test_line_chart_with_a_single_point():
    root = parse(line_chart([Point("01/11", 4)], title="t"))
    assert len(root.find(f"{SVG}polyline").get("points").split()) == 1


def test_donut_legend_lists_each_nonzero_share_and_the_total():
    points = [Point("Đã duyệt", 6), Point("Chờ duyệt", 3), Point("Bản nháp", 0), Point("Từ chối", 1)]
    root = parse(donut_chart(points, title="Sản phẩm"))
    assert len(list(root.iter(f"{SVG}path"))) == 3
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "10" in texts
    assert "Đã duyệt: 6" in texts and "Từ chối: 1" in texts
    assert not any("Bản nháp" in t for t in texts)


def test_donut_with_one_category_draws_a_full_ring():
    """A 360° arc has coinciding ends and draws nothing (a broken ring): one slice at 100 % is a whole circle."""
    root = parse(donut_chart([Point("Đã duyệt", 4)], title="t"))
    assert root.find(f"{SVG}g/{SVG}path") is None
    ring = root.find(f"{SVG}g/{SVG}circle")
    assert float(ring.get("r")) == 52
    assert ring.get("fill") == "none"
    assert float(ring.get("stroke-width")) > 0


def test_donut_with_one_non_zero_category_among_zeros_is_a_full_ring_too():
    root = parse(donut_chart([Point("Đang bán", 0), Point("Chờ duyệt", 3), Point("Bản nháp", 0)], title="t"))
    assert len(list(root.iter(f"{SVG}circle"))) == 1
    assert not list(root.iter(f"{SVG}path"))


def test_donut_with_two_categories_draws_two_arcs_and_no_circle():
    root = parse(donut_chart([Point("a", 1), Point("b", 3)], title="t"))
    assert len(list(root.iter(f"{SVG}path"))) == 2
    assert not list(root.iter(f"{SVG}circle"))


PHONE_CHART_WIDTH = 300  # px: a chart inside a card on a 360 px phone


@pytest.mark.parametrize("chart", [bar_chart, line_chart, hbar_chart, donut_chart])
def test_every_label_stays_at_least_11_px_on_a_phone(chart):
    """The chart scales from its 360-unit viewBox to about 300 px: every text must still be 11 px or more."""
    root = parse(chart([Point("Hợp tác xã Nấm mèo Vân Sơn", 1_200_000), Point("b", 200_000)], title="t"))
    scale = PHONE_CHART_WIDTH / float(root.get("viewBox").split()[2])
    base = float(root.get("font-size"))
    sizes = [float(t.get("font-size", base)) for t in root.iter(f"{SVG}text")]
    assert sizes
    assert min(sizes) * scale >= 11


@pytest.mark.parametrize("months", [3, 12, 24])
def test_category_labels_never_overlap(months):
    """Month labels ("03/2026", about 8 units a character) keep their distance however wide the plot is."""
    points = [Point(f"{m % 12 + 1:02d}/2026", m + 1) for m in range(months)]
    root = parse(bar_chart(points, title="t"))
    labels = [t for t in root.iter(f"{SVG}text") if "/2026" in (t.text or "")]
    xs = [float(t.get("x")) for t in labels]
    width = 7 * 0.6 * float(root.get("font-size"))
    assert len(labels) >= 2
    assert all(b - a >= width for a, b in itertools.pairwise(xs))


@pytest.mark.parametrize("top", [4, 32, 200_000, 1_200_000, 12_500_000, 3 * 10**9])
def test_value_axis_labels_fit_left_of_the_plot(top):
    """The widest tick label ("12,5 triệu") ends inside the chart: its left edge is not cut off."""
    root = parse(bar_chart([Point("03/2026", top)], title="t"))
    ticks = [t for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    widest = max(len(t.text) for t in ticks) * 0.6 * float(root.get("font-size"))
    assert all(float(t.get("x")) - widest >= 0 for t in ticks)
    first_bar = next(r for r in root.iter(f"{SVG}rect"))
    assert float(first_bar.get("x")) > float(ticks[0].get("x"))


def test_value_axis_reads_in_words_not_unit_letters():
    root = parse(bar_chart([Point("03/2026", 200_000), Point("04/2026", 1_200_000)], title="t"))
    ticks = [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert "1,2 triệu" in ticks
    assert any(tick.endswith("nghìn") for tick in ticks)
    assert not any(tick.endswith((" N", " tr")) for tick in ticks)


def test_colours_come_from_the_palette():
    text = str(donut_chart(MONTHS[:5], title="t")) + str(bar_chart(MONTHS, title="t"))
    palette = {"#1f6f43", "#15502f", "#b7791f", "#b3261e", "#5c6b63", "#d8e0db", "#1d2521"}
    assert set(re.findall(r'(?:fill|stroke)="(#[0-9a-f]{6})"', text)) <= palette


def test_same_input_gives_same_ids_and_different_charts_differ():
    a = parse(bar_chart(MONTHS, title="A")).find(f"{SVG}title").get("id")
    assert a == parse(bar_chart(MONTHS, title="A")).find(f"{SVG}title").get("id")
    assert a != parse(bar_chart(MONTHS, title="B")).find(f"{SVG}title").get("id")


def test_default_description_lists_values():
    root = parse(bar_chart([Point("T1", 1500), Point("T2", 2)], title="t"))
    assert root.find(f"{SVG}desc").text == "T1: 1.500; T2: 2"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, 1), (1, 1), (7, 10), (11, 20), (21, 25), (26, 50), (99, 100), (1_200_000, 2_000_000)],
)
def test_nice_ceiling(value, expected):
    assert nice_ceiling(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, 4), (1, 4), (9, 12), (10, 12), (16, 16), (74, 80), (330, 400), (1_197_000, 1_200_000), (180_000, 200_000)],
)
def test_axis_top_has_four_whole_steps(value, expected):
    assert axis_top(value) == expected and expected % 4 == 0 and expected >= value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "0"),
        (950, "950"),
        (1500, "1,5 nghìn"),
        (200_000, "200 nghìn"),
        (1_200_000, "1,2 triệu"),
        (12_500_000, "12,5 triệu"),
        (3 * 10**9, "3 tỷ"),
    ],
)
def test_compact_number(value, expected):
    assert compact_number(value) == expected


def test_group_digits_and_shorten():
    assert group_digits(1234567) == "1.234.567"
    assert group_digits(-5000) == "-5.000"
    assert shorten("  Nấm   mèo  ") == "Nấm mèo"
    assert shorten("a" * 50, 10) == "a" * 9 + "…"


@pytest.mark.parametrize(
    ("hour", "by_month", "expected"),
    [
        ("2026-03-09 16", False, "2026-03-09"),  # 23:00 in Vietnam
        ("2026-03-09 17", False, "2026-03-10"),  # midnight in Vietnam
        ("2025-12-31 17", True, "2026-01"),
        ("2026-02-28 23", False, "2026-03-01"),
        ("2028-02-28 17", False, "2028-02-29"),
        ("2026-01-31 16", True, "2026-01"),
        (datetime(2026, 1, 31, 17), True, "2026-02"),  # PostgreSQL's date_trunc gives a timestamp
    ],
)
def test_local_bucket_moves_utc_hours_into_vietnam_days_and_months(hour, by_month, expected):
    assert local_bucket(hour, by_month) == expected
