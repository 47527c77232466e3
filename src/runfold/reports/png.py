"""A chart as a PNG without a browser: lines, bands, axes with numeric tick labels,
drawn into a numpy canvas and written with zlib (no imaging library needed).

It draws the plotted numbers of ``panels.chart_panels`` (the same the HTML export
and the UI plot): per group its line in its colour over its band (alpha 0.15),
member runs faintly behind. None values are gaps.
"""

from __future__ import annotations

import math
import struct
import zlib
from typing import Any

import numpy as np

__all__ = ["chart_png", "encode_png", "WIDTH", "HEIGHT"]

WIDTH, HEIGHT = 800, 300
_LEFT, _RIGHT, _TOP, _BOTTOM = 70, 16, 12, 34
_SCALE = 2  # the 3×5 glyphs are drawn 2× (6×10 pixels)
# 3×5 glyphs for tick labels: each row is 3 bits, the top row first.
_GLYPHS = {
    "0": (7, 5, 5, 5, 7), "1": (2, 6, 2, 2, 7), "2": (7, 1, 7, 4, 7),
    "3": (7, 1, 7, 1, 7), "4": (5, 5, 7, 1, 1), "5": (7, 4, 7, 1, 7),
    "6": (7, 4, 7, 5, 7), "7": (7, 1, 1, 1, 1), "8": (7, 5, 7, 5, 7),
    "9": (7, 5, 7, 1, 7), ".": (0, 0, 0, 0, 2), "-": (0, 0, 7, 0, 0),
    "+": (0, 2, 7, 2, 0), "e": (0, 7, 7, 4, 7),
}  # fmt: skip


def _rgb(color: str) -> np.ndarray:
    return np.array([int(color[i : i + 2], 16) for i in (1, 3, 5)], dtype=np.float64)


class _Canvas:
    def __init__(self, width: int, height: int) -> None:
        self.w, self.h = width, height
        self.px = np.full((height, width, 3), 255.0)

    def blend(self, mask: np.ndarray, color: str, alpha: float = 1.0) -> None:
        self.px[mask] = self.px[mask] * (1 - alpha) + _rgb(color) * alpha

    def polyline(self, xs: list[float], ys: list[float], color: str,
                 alpha: float = 1.0, thick: bool = True) -> None:  # fmt: skip
        mask = np.zeros((self.h, self.w), dtype=bool)
        pts = list(zip(xs, ys, strict=True))
        for (x0, y0), (x1, y1) in zip(pts, pts[1:], strict=False):
            if None in (x0, y0, x1, y1):
                continue
            n = int(max(abs(x1 - x0), abs(y1 - y0))) + 2
            px = np.rint(np.linspace(x0, x1, n)).astype(int)
            py = np.rint(np.linspace(y0, y1, n)).astype(int)
            self._stamp(mask, px, py, thick)
        for x, y, prev, nxt in zip(
            xs, ys, [None, *ys[:-1]], [*ys[1:], None], strict=True
        ):
            if y is not None and prev is None and nxt is None:  # a lone point: a dot
                self._stamp(mask, np.array([round(x)]), np.array([round(y)]), True)
        self.blend(mask, color, alpha)

    def _stamp(self, mask: np.ndarray, px: np.ndarray, py: np.ndarray, thick: bool) -> None:  # fmt: skip
        offsets = ((0, 0), (1, 0), (0, 1), (1, 1)) if thick else ((0, 0),)
        for dx, dy in offsets:
            x, y = px + dx, py + dy
            ok = (x >= 0) & (x < self.w) & (y >= 0) & (y < self.h)
            mask[y[ok], x[ok]] = True

    def band(self, xs: list[float], lo: list[Any], hi: list[Any], color: str) -> None:
        mask = np.zeros((self.h, self.w), dtype=bool)
        pts = list(zip(xs, lo, hi, strict=True))
        for (x0, l0, h0), (x1, l1, h1) in zip(pts, pts[1:], strict=False):
            if None in (l0, h0, l1, h1):
                continue
            for col in range(math.ceil(x0), math.floor(x1) + 1):
                t = (col - x0) / (x1 - x0) if x1 > x0 else 0.0
                top, bottom = sorted((h0 + t * (h1 - h0), l0 + t * (l1 - l0)))
                if 0 <= col < self.w:
                    a, b = max(0, round(top)), min(self.h - 1, round(bottom))
                    mask[a : b + 1, col] = True
        self.blend(mask, color, 0.15)

    def text(self, x: int, y: int, s: str, color: str = "#374151") -> None:
        mask = np.zeros((self.h, self.w), dtype=bool)
        for k, ch in enumerate(s):
            rows = _GLYPHS.get(ch)
            if rows is None:
                continue
            for r, bits in enumerate(rows):
                for c in range(3):
                    if bits & (4 >> c):
                        ox, oy = x + (k * 4 + c) * _SCALE, y + r * _SCALE
                        mask[max(0, oy) : oy + _SCALE, max(0, ox) : ox + _SCALE] = True
        self.blend(mask, color)


def _label(v: float) -> str:
    if abs(v) < 1e-12:
        return "0"
    a = abs(v)
    if a >= 1e5 or a < 1e-3:
        return f"{v:.2e}".replace("e+0", "e").replace("e-0", "e-")
    return f"{v:.4g}"


def _range(values: list[float]) -> tuple[float, float]:
    if not values:
        return 0.0, 1.0
    lo, hi = min(values), max(values)
    if lo == hi:
        pad = abs(lo) * 0.1 or 1.0
        return lo - pad, hi + pad
    pad = (hi - lo) * 0.05
    return lo - pad, hi + pad


def _finite(values: list[Any]) -> list[float]:
    return [v for v in values if v is not None and math.isfinite(v)]


def chart_png(chart: dict[str, Any], width: int = WIDTH, height: int = HEIGHT) -> bytes:
    """One plotted chart (``panels.chart_panels``'s item) as PNG bytes."""
    log = chart["settings"]["log"]
    tf = (
        (lambda v: None if v is None or v <= 0 else math.log10(v))
        if log
        else (lambda v: v)
    )  # noqa: E731
    lines = chart["groups"] + chart["members"]
    xs_all = _finite([x for g in lines for x in g["x"]])
    ys_all = _finite([tf(v) for g in chart["groups"] for k in ("line", "lower", "upper")
                      for v in g[k]] + [tf(v) for m in chart["members"] for v in m["line"]])  # fmt: skip
    (y0, y1) = _range(ys_all)
    x0, x1 = (min(xs_all), max(xs_all)) if xs_all else (0.0, 1.0)
    if x0 == x1:
        x0, x1 = x0 - 1, x1 + 1
    pw, ph = width - _LEFT - _RIGHT, height - _TOP - _BOTTOM

    def sx(v: float) -> float:
        return _LEFT + (v - x0) / (x1 - x0) * pw

    def sy(v: Any) -> Any:
        t = tf(v)
        return None if t is None else _TOP + (1 - (t - y0) / (y1 - y0)) * ph

    canvas = _Canvas(width, height)
    _axes(canvas, (x0, x1), (y0, y1), (pw, ph), log)
    for m in chart["members"]:
        color = chart["groups"][m["group"]]["color"]
        canvas.polyline([sx(x) for x in m["x"]], [sy(v) for v in m["line"]], color,
                        alpha=0.35, thick=False)  # fmt: skip
    for g in chart["groups"]:
        canvas.band([sx(x) for x in g["x"]], [sy(v) for v in g["lower"]],
                    [sy(v) for v in g["upper"]], g["color"])  # fmt: skip
    for g in chart["groups"]:
        canvas.polyline([sx(x) for x in g["x"]], [sy(v) for v in g["line"]], g["color"])
    return encode_png(canvas.px)


def _ticks(lo: float, hi: float) -> list[float]:
    """Round values inside [lo, hi]: multiples of 1, 2 or 5 × 10^k, about 5 of them."""
    raw = (hi - lo) / 5
    if not raw > 0:
        return [lo]
    base = 10 ** math.floor(math.log10(raw))
    step = next(m * base for m in (1, 2, 5, 10) if m * base >= raw)
    first = math.ceil(lo / step)
    return [k * step for k in range(first, math.floor(hi / step) + 1)]


def _axes(canvas: _Canvas, xr: tuple[float, float], yr: tuple[float, float],
          size: tuple[int, int], log: bool) -> None:  # fmt: skip
    pw, ph = size
    grid = np.zeros((canvas.h, canvas.w), dtype=bool)
    axis = np.zeros_like(grid)
    glyph_w = 4 * _SCALE
    for xv in _ticks(*xr):
        gx = round(_LEFT + (xv - xr[0]) / (xr[1] - xr[0]) * pw)
        grid[_TOP : _TOP + ph + 1, gx] = True
        label = _label(xv)
        left = min(gx - len(label) * glyph_w // 2, canvas.w - len(label) * glyph_w)
        canvas.text(left, _TOP + ph + 8, label)
    for yv in _ticks(*yr):
        gy = round(_TOP + (1 - (yv - yr[0]) / (yr[1] - yr[0])) * ph)
        grid[gy, _LEFT : _LEFT + pw + 1] = True
        label = _label(10**yv if log else yv)
        canvas.text(_LEFT - 6 - len(label) * glyph_w, gy - 5, label)
    axis[_TOP + ph, _LEFT : _LEFT + pw + 1] = True
    axis[_TOP : _TOP + ph + 1, _LEFT] = True
    canvas.blend(grid, "#e5e7eb")
    canvas.blend(axis, "#6b7280")


def encode_png(pixels: np.ndarray) -> bytes:
    """An H×W×3 array of 0..255 values as an 8-bit RGB PNG."""
    rgb = np.clip(np.rint(pixels), 0, 255).astype(np.uint8)
    height, width = rgb.shape[:2]
    raw = np.zeros((height, width * 3 + 1), dtype=np.uint8)  # filter byte 0 per row
    raw[:, 1:] = rgb.reshape(height, width * 3)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw.tobytes(), 9)) + chunk(b"IEND", b""))  # fmt: skip
