"""The static layer: basemap, choropleth, outlines, cell codes and boundary as one picture.

``StaticLayer`` asks ``StaticScene`` (app/views/map/composite.py) to render
the view into one opaque image and keeps it per zoom level.  A repaint while
vehicles move is one blit; a pan blits what it can and renders only the strip
it uncovers (plus ``MapStyle.cache_margin_px``); a tile that arrives
re-renders only its square; a zoom, a resize past the picture or new data
renders the view afresh.  The selected cell is drawn live on top.

Threading: GUI thread only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPainterPath, QTransform
from PySide6.QtWidgets import QGraphicsItem

from app.views.map.composite import StaticScene, rect_difference
from app.views.map.layer import Layer
from app.views.map.style import MapStyle, color, cosmetic_pen

__all__ = ["StaticLayer"]


_WORLD = QRectF(-2.0e7, -2.0e7, 4.0e7, 4.0e7)  # Web Mercator's square, with room


@dataclass
class _Cache:
    """The static picture for one zoom level: ``image`` covers device rectangle
    ``area`` of the frame where the view's translation was (dx, dy)."""

    key: tuple
    image: QImage
    area: QRect
    dx: float
    dy: float


class StaticLayer(Layer):
    """Basemap, choropleth, outlines, codes and boundary, kept as one opaque image per zoom.

    A repaint while vehicles move is one blit.  A pan blits what it can and
    renders only the uncovered strip (plus ``cache_margin_px``); a tile that
    arrives re-renders only its square; a zoom, a resize past the picture or
    new data renders the view afresh.  The selected cell is drawn live on top.
    """

    def __init__(self, scene: StaticScene, style: MapStyle) -> None:
        super().__init__(pad_px=style.outline_glow_px)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption)
        self.scene_data = scene
        self._style = style
        self._cache: _Cache | None = None
        self._spare: QImage | None = None
        self._selected: QPainterPath | None = None
        self._selected_halo = cosmetic_pen(color(style.background, 200), 5.0)
        self._selected_pen = cosmetic_pen(QColor(style.cell_selected), 2.0)
        self.full_renders = 0  # whole-view renders, for tests and the benchmark
        self.rendered_cells = 0  # how many cells the scene held at the last one
        self._update_rect()

    def data_changed(self) -> None:
        self._update_rect()
        self.update()

    def _update_rect(self) -> None:
        # The layer paints the background too, so the view needs no brush of its
        # own (one full-view fill less per frame): it covers the whole world.
        self._set_data_rect(_WORLD)

    def select_path(self, path: QPainterPath | None) -> None:
        self._selected = path
        self.update()

    def drop_cache(self) -> None:
        """Forget the picture: the next paint renders the whole view (benchmarks, tests)."""
        if self._cache is not None:
            self._spare = self._cache.image
        self._cache = None
        self.update()

    def paint(self, p: QPainter, option, widget=None) -> None:
        if self._data_rect is None:
            return
        t = p.transform()
        view = self.viewRect()
        if widget is None or view is None or t.isRotating() or t.m12() or t.m21():
            self._paint_direct(p, t, option.exposedRect)
        else:
            self._blit(p, t, t.mapRect(view))
        if self._selected is not None:
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.setPen(self._selected_halo)
            p.drawPath(self._selected)
            p.setPen(self._selected_pen)
            p.drawPath(self._selected)

    def _paint_direct(self, p: QPainter, t: QTransform, exposed: QRectF) -> None:
        """Export or an unusual transform: render the exposed part into a temporary image."""
        dev = t.mapRect(exposed).toAlignedRect()
        if dev.isEmpty() or dev.width() * dev.height() > 40_000_000:
            return
        image = QImage(dev.size(), QImage.Format.Format_ARGB32_Premultiplied)
        self.scene_data.render(image, QPointF(dev.topLeft()), t, dev)
        p.save()
        try:
            p.resetTransform()
            p.drawImage(dev.topLeft(), image)
        finally:
            p.restore()

    def _blit(self, p: QPainter, t: QTransform, visible: QRectF) -> None:
        s = self.scene_data
        dpr = p.device().devicePixelRatioF()
        key = (t.m11(), t.m22(), dpr, s.version)
        c = self._cache
        if c is None or c.key != key:
            area = visible.toAlignedRect()
            image = self._image(area.size(), dpr, c)
            frame = QTransform(t.m11(), 0.0, 0.0, t.m22(), t.dx(), t.dy())
            s.render(image, QPointF(area.topLeft()), frame, area)
            c = self._cache = _Cache(key, image, area, t.dx(), t.dy())
            s.dirty.clear()
            self.full_renders += 1
            self.rendered_cells = len(s.codes)
        in_frame = visible.translated(c.dx - t.dx(), c.dy - t.dy())
        need = in_frame.toAlignedRect()
        if not c.area.contains(need):
            self._extend(c, need, dpr)
        if s.dirty:
            self._flush_dirty(c)
        p.save()
        try:
            p.resetTransform()
            p.drawImage(
                QPointF(c.area.left() + t.dx() - c.dx, c.area.top() + t.dy() - c.dy),
                c.image,
                QRectF(0, 0, c.area.width() * dpr, c.area.height() * dpr),
            )
        finally:
            p.restore()
        basemap = s.basemap
        if basemap is not None:
            basemap.request(s.missing_tiles(self._frame(c), in_frame))

    @staticmethod
    def _frame(c: _Cache) -> QTransform:
        return QTransform(c.key[0], 0.0, 0.0, c.key[1], c.dx, c.dy)

    def _extend(self, c: _Cache, need: QRect, dpr: float) -> None:
        """Scroll the picture: keep what overlaps, render only the new ground."""
        m = self._style.cache_margin_px
        area = need.adjusted(-m, -m, m, m)
        image = self._image(area.size(), dpr, None)
        keep = area.intersected(c.area)
        if not keep.isEmpty():
            q = QPainter(image)
            try:
                q.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
                q.drawImage(
                    QPointF(c.area.topLeft() - area.topLeft()),
                    c.image,
                    QRectF(0, 0, c.area.width() * dpr, c.area.height() * dpr),
                )
            finally:
                q.end()
        frame = self._frame(c)
        for strip in rect_difference(area, keep):
            self.scene_data.render(image, QPointF(area.topLeft()), frame, strip)
        self._spare = c.image
        c.image, c.area = image, area

    def _image(self, size: QSize, dpr: float, retiring: _Cache | None) -> QImage:
        """An image for a picture of ``size`` device pixels, reusing a big enough
        spare one: a fresh 6 MB image costs a millisecond or two in page faults."""
        w, h = math.ceil(size.width() * dpr), math.ceil(size.height() * dpr)
        for image in (self._spare, retiring.image if retiring is not None else None):
            if (
                image is not None
                and image.width() >= w
                and image.height() >= h
                and image.devicePixelRatio() == dpr
            ):
                if image is self._spare:
                    self._spare = retiring.image if retiring is not None else None
                return image
        if retiring is not None:
            self._spare = retiring.image
        # Opaque: blitting it onto the window is a copy, not a blend.
        image = QImage(w + 128, h + 128, QImage.Format.Format_RGB32)
        image.setDevicePixelRatio(dpr)
        return image

    def _flush_dirty(self, c: _Cache) -> None:
        s = self.scene_data
        frame = self._frame(c)
        dirty, s.dirty = s.dirty, []
        # Tiles arrive in batches of neighbours: one render of their bounds costs
        # less than one per tile (each render strokes the boundary again).
        union = QRect()
        for r in dirty:
            union = union.united(frame.mapRect(r).toAlignedRect())
        dev = union.intersected(c.area)
        if not dev.isEmpty():
            s.render(c.image, QPointF(c.area.topLeft()), frame, dev)
