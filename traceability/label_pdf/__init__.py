"""Printable QR label sheets (PDF): layouts, fast QR symbols, text fitting and the renderer."""

from .layout import DEFAULT_PRESET, PRESETS, LabelLayout, custom_layout, preset_layout
from .render import LabelContent, render_labels

__all__ = [
    "DEFAULT_PRESET",
    "PRESETS",
    "LabelContent",
    "LabelLayout",
    "custom_layout",
    "preset_layout",
    "render_labels",
]
