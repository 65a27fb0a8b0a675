"""Pre-rendered markers in one atlas, drawn for thousands of points in one native call.

Threading: GUI thread only (the atlas is a QPixmap).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPainter, QPixmap

__all__ = ["SpriteAtlas"]


class SpriteAtlas:
    """Pre-rendered antialiased markers in one image, drawn with drawPixmapFragments.

    Filling thousands of small antialiased polygons through QPainterPath grows
    worse than linearly (2,000 arrows took ~75 ms); blitting pre-rendered
    sprites is one native call for all of them.  Each sprite is cropped to its
    own ink, so a blit blends only the pixels the marker covers (an arrow
    turned 45° needs a wider box than one pointing north).
    """

    def __init__(self, cell_px: int, count: int, draw_sprite: Callable[[QPainter, int], None]) -> None:
        self._cell = cell_px
        self._count = count
        self._cols = max(1, min(count, 64))
        self._draw_sprite = draw_sprite  # (QPainter centred on the sprite, index) -> None
        self._pixmap: QPixmap | None = None
        self._dpr = 0.0
        self._crop = np.zeros((count, 6))  # source left, top, w, h; centre offset x, y (device px)
        self._frag = np.zeros((0, 10))

    def _build(self, dpr: float) -> None:
        side = math.ceil(self._cell * dpr)
        rows = math.ceil(self._count / self._cols)
        image = QImage(self._cols * side, rows * side, QImage.Format.Format_ARGB32_Premultiplied)
        image.fill(Qt.GlobalColor.transparent)
        p = QPainter(image)
        try:
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            for i in range(self._count):
                p.save()
                p.translate((i % self._cols + 0.5) * side, (i // self._cols + 0.5) * side)
                p.scale(dpr, dpr)
                self._draw_sprite(p, i)
                p.restore()
        finally:
            p.end()
        alpha = (
            np.frombuffer(image.constBits(), np.uint32, count=image.width() * image.height())
            .reshape(image.height(), image.width())
            >> 24
        )
        for i in range(self._count):
            left, top = (i % self._cols) * side, (i // self._cols) * side
            ink = alpha[top : top + side, left : left + side] > 0
            rows_any, cols_any = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
            if rows_any.size == 0:
                self._crop[i] = (left, top, 1, 1, 0, 0)
                continue
            x0, x1 = int(cols_any[0]), int(cols_any[-1]) + 1
            y0, y1 = int(rows_any[0]), int(rows_any[-1]) + 1
            self._crop[i] = (
                left + x0,
                top + y0,
                x1 - x0,
                y1 - y0,
                ((x0 + x1) / 2 - side / 2) / dpr,
                ((y0 + y1) / 2 - side / 2) / dpr,
            )
        self._pixmap = QPixmap.fromImage(image)
        self._dpr = dpr

    def draw(self, p: QPainter, dx: np.ndarray, dy: np.ndarray, sprite: np.ndarray) -> None:
        """Draw sprite[i] centred on device point (dx[i], dy[i]); the painter is in device pixels."""
        n = dx.size
        if n == 0:
            return
        dpr = p.device().devicePixelRatioF()
        if self._pixmap is None or dpr != self._dpr:
            self._build(dpr)
        if self._frag.shape[0] < n:
            self._frag = np.empty((max(n, 2 * self._frag.shape[0]), 10))
        crop = self._crop[sprite]
        # QPainter::PixmapFragment: x, y, sourceLeft, sourceTop, width, height,
        # scaleX, scaleY, rotation, opacity; (x, y) is the centre of the target.
        f = self._frag[:n]
        f[:, 0] = dx + crop[:, 4]
        f[:, 1] = dy + crop[:, 5]
        f[:, 2:6] = crop[:, :4]
        f[:, 6:10] = (1.0 / dpr, 1.0 / dpr, 0.0, 1.0)
        fragments = shiboken6.wrapInstance(f.ctypes.data, QPainter.PixmapFragment)
        p.drawPixmapFragments(fragments, n, self._pixmap)  # type: ignore[arg-type]  # a C array, as Qt wants
