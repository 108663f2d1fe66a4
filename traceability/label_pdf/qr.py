"""QR codes for label runs: segno's output, reused through the linearity of QR encoding.

For a fixed version, error level (M), mask and byte-mode length, a QR symbol is an affine function over GF(2)
of the payload bits: data bits are placed at fixed modules, Reed–Solomon parity is linear in the data, and the
mask and format/version patterns are constants. So once segno has made one reference symbol, the symbol for
any other payload of the same length is the reference XOR, for every byte that differs, the modules that byte's
differing bits flip. Each single-bit flip is measured by asking segno for the symbol with just that bit
changed (memoised; a run of serial-only URLs needs about a hundred such calls). Every symbol is therefore
exactly what `segno.make(url, error="m", mode="byte", version=v, mask=m, boost_error=False)` returns, at
≈ 50× segno's speed; tests/unit/test_label_layout.py checks that equality on random URLs.

A symbol comes out as a packed 1-bit image (rows padded to whole bytes, 0 = dark, as PDF DeviceGray wants)
with the 4-module quiet zone included.
"""

from __future__ import annotations

import segno

QUIET_ZONE = 4
ERROR_LEVEL = "m"


class QrRun:
    """Encodes many same-length URLs with one version and mask, chosen by segno for the first URL."""

    def __init__(self, first_url: str) -> None:
        reference = first_url.encode("ascii")
        auto = segno.make(reference, error=ERROR_LEVEL, mode="byte", boost_error=False, micro=False)
        self.version: int = auto.version
        self.mask: int = auto.mask
        self.modules = len(auto.matrix)
        self.size = self.modules + 2 * QUIET_ZONE
        self.row_bytes = (self.size + 7) // 8
        self.length = len(reference)
        self._reference = reference
        self._reference_image = self._image(auto.matrix)
        self._bit_flips: dict[tuple[int, int], int] = {}
        self._byte_flips: list[dict[int, int]] = [{} for _ in range(self.length)]
        self._all_light = int.from_bytes(b"\xff" * (self.size * self.row_bytes), "big")

    def segno_symbol(self, payload: bytes) -> segno.QRCode:
        """The symbol segno makes for `payload` with this run's version and mask (the oracle)."""
        return segno.make(
            payload, error=ERROR_LEVEL, mode="byte", version=self.version, mask=self.mask, boost_error=False
        )

    def _image(self, matrix: tuple[bytearray, ...]) -> int:
        """Dark modules as set bits of one integer laid out like the packed image (quiet zone included)."""
        value = 0
        width_bits = self.row_bytes * 8
        for row_index, row in enumerate(matrix):
            bits = int("".join("1" if module else "0" for module in row), 2)
            shift = (self.size - 1 - QUIET_ZONE - row_index) * width_bits + width_bits - QUIET_ZONE - self.modules
            value |= bits << shift
        return value

    def _bit_flip(self, position: int, bit: int) -> int:
        key = (position, bit)
        flip = self._bit_flips.get(key)
        if flip is None:
            payload = bytearray(self._reference)
            payload[position] ^= 1 << bit
            flip = self._image(self.segno_symbol(bytes(payload)).matrix) ^ self._reference_image
            self._bit_flips[key] = flip
        return flip

    def _byte_flip(self, position: int, difference: int) -> int:
        table = self._byte_flips[position]
        flip = table.get(difference)
        if flip is None:
            flip = 0
            for bit in range(8):
                if difference >> bit & 1:
                    flip ^= self._bit_flip(position, bit)
            table[difference] = flip
        return flip

    def dark_bits(self, url: str) -> int:
        """The symbol for `url` as an integer with a set bit per dark module."""
        payload = url.encode("ascii")
        if len(payload) != self.length:
            raise ValueError("every URL of a QR run must have the same length")
        image = self._reference_image
        for position, (byte, reference) in enumerate(zip(payload, self._reference, strict=True)):
            if byte != reference:
                image ^= self._byte_flip(position, byte ^ reference)
        return image

    def image(self, url: str) -> bytes:
        """Packed 1-bit rows for `url`, 0 = dark, quiet zone included."""
        return (self.dark_bits(url) ^ self._all_light).to_bytes(self.size * self.row_bytes, "big")


class QrEncoder:
    """One QrRun per URL length (a run's URLs normally share one length: same base URL, lot and serial size)."""

    def __init__(self) -> None:
        self._runs: dict[int, QrRun] = {}

    def run_for(self, url: str) -> QrRun:
        run = self._runs.get(len(url))
        if run is None:
            run = self._runs[len(url)] = QrRun(url)
        return run
