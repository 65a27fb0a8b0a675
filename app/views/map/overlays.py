"""Widgets and bands drawn over the map: legend, scale bar, basemap credit, selection box.

Each panel draws its translucent picture once into a pixmap and blits it,
because it is repainted whenever the map under it is.  Mouse events fall
through to the map.  ``_Legend`` and ``_ScaleBar`` keep their names: they
are the translation contexts of their strings in the zh_CN file.  (The
geofences and a replayed track are a graphics item in the scene instead:
app/views/map/track_layer.py.)

Threading: GUI thread only.
"""

from __future__ import annotations

import math

from PySide6.QtCore import QEvent, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QRubberBand, QWidget

from app.views.map.style import ARROW, MapStyle, color, cosmetic_pen, polygon

__all__ = [
    "Attribution",
    "Overlay",
    "SelectionBand",
    "_Legend",
    "_ScaleBar",
    "ground_metres_per_mercator_metre",
]


_EARTH_RADIUS_M = 6378137.0


def ground_metres_per_mercator_metre(y: float) -> float:
    """Web Mercator stretches distances by 1/cos(latitude); the scale bar undoes it."""
    lat = math.atan(math.sinh(y / _EARTH_RADIUS_M))
    return math.cos(lat)


class Overlay(QWidget):
    """A small panel drawn over the map; mouse events fall through to the map."""

    def __init__(self, parent: QWidget, style: MapStyle) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self._style = style
        self._panel_brush = QBrush(color(style.overlay_background, style.overlay_alpha))
        self._panel_pen = QPen(QColor(style.overlay_border))
        self._text_pen = QPen(QColor(style.overlay_text))
        self._muted_pen = QPen(QColor(style.overlay_muted))

        self._picture: QPixmap | None = None

    def _panel(self, p: QPainter) -> None:
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(self._panel_pen)
        p.setBrush(self._panel_brush)
        p.drawRoundedRect(QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5), 6, 6)

    def _refresh(self) -> None:
        self._picture = None
        self.update()

    def _draw(self, p: QPainter) -> None:
        raise NotImplementedError

    def paintEvent(self, ev) -> None:
        # The panel is translucent, so it is repainted whenever the map under it
        # is (vehicles move several times a second): draw it once, then blit.
        dpr = self.devicePixelRatioF()
        size = self.size() * dpr
        if self._picture is None or self._picture.size() != size:
            picture = QPixmap(size)
            picture.setDevicePixelRatio(dpr)
            picture.fill(Qt.GlobalColor.transparent)
            q = QPainter(picture)
            try:
                self._draw(q)
            finally:
                q.end()
            self._picture = picture
        p = QPainter(self)
        try:
            p.drawPixmap(0, 0, self._picture)
        finally:
            p.end()

    def changeEvent(self, ev: QEvent) -> None:
        if ev.type() in (QEvent.Type.LanguageChange, QEvent.Type.FontChange):
            self.updateGeometry()
            self.adjustSize()
            self._refresh()
        super().changeEvent(ev)


class _Legend(Overlay):
    _PAD = 10
    _GLYPH = 22

    def __init__(self, parent: QWidget, style: MapStyle) -> None:
        super().__init__(parent, style)
        self._fill: tuple[str, float, float] | None = None
        self._kind_brushes = [QBrush(QColor(c)) for c in style.vehicle_colors]
        self._dim_brush = QBrush(color(style.vehicle_offline, style.vehicle_offline_alpha))
        self._arrow_pen = cosmetic_pen(color(style.vehicle_edge, 220), 1.2)
        self._case_edge = cosmetic_pen(color(style.case_edge, 230), style.case_px + 3.0)
        self._case_pens = [cosmetic_pen(QColor(c), style.case_px) for c in style.case_colors]
        self._ramp = [QBrush(QColor(c)) for c in style.cell_fill]
        arrow = ARROW * [style.vehicle_width_px * 0.8, style.vehicle_length_px * 0.8]
        self._arrow = polygon(arrow)
        self._alarm_pen = cosmetic_pen(QColor(style.alarm_colors[-1]), 2.0)

    def set_fill(self, fill: tuple[str, float, float] | None) -> None:
        self._fill = fill
        self.adjustSize()
        self._refresh()

    def _rows(self) -> list[tuple[str, str, int]]:
        """(kind of glyph, text, colour index): headings have glyph ''."""
        rows = [("", self.tr("Vehicles"), -1)]
        kinds = [self.tr("Sweeper"), self.tr("Sprinkler"), self.tr("Muck truck"), self.tr("Patrol")]
        rows += [("arrow", text, i) for i, text in enumerate(kinds[: len(self._kind_brushes)])]
        rows.append(("dim", self.tr("Stale / offline"), -1))
        rows.append(("alarm", self.tr("Alarm"), -1))
        rows.append(("", self.tr("Cases"), -1))
        cases = [self.tr("On time"), self.tr("Due soon"), self.tr("Overdue")]
        rows += [("case", text, i) for i, text in enumerate(cases)]
        if self._fill is not None:
            if self._fill[0]:
                rows.append(("", self._fill[0], -1))
            rows.append(("ramp", "", -1))
        return rows

    def sizeHint(self) -> QSize:
        fm = self.fontMetrics()
        width = max((fm.horizontalAdvance(text) for _, text, _ in self._rows()), default=0)
        width = max(width + self._GLYPH, 150)
        return QSize(width + 2 * self._PAD, len(self._rows()) * self._row() + 2 * self._PAD - 4)

    def _row(self) -> int:
        # Follows the font: the shipped CJK font is taller than Latin UI fonts.
        return max(19, self.fontMetrics().height() + 4)

    def _draw(self, p: QPainter) -> None:
        self._panel(p)
        fm = self.fontMetrics()
        row = self._row()
        y = self._PAD
        for glyph, text, i in self._rows():
            mid = y + row / 2
            gx = self._PAD + self._GLYPH / 2 - 3
            if glyph in ("arrow", "dim"):
                p.save()
                p.translate(gx, mid)
                p.rotate(45)
                p.setPen(self._arrow_pen)
                p.setBrush(self._kind_brushes[i] if glyph == "arrow" else self._dim_brush)
                p.drawPolygon(self._arrow)
                p.restore()
            elif glyph == "alarm":
                p.setPen(self._alarm_pen)
                p.setBrush(Qt.BrushStyle.NoBrush)
                p.drawEllipse(QPointF(gx, mid), 7.0, 7.0)
            elif glyph == "case":
                p.setPen(self._case_edge)
                p.drawPoint(QPointF(gx, mid))
                p.setPen(self._case_pens[i])
                p.drawPoint(QPointF(gx, mid))
            elif glyph == "ramp" and self._fill is not None:
                self._paint_ramp(p, y, row, fm)
            if glyph != "ramp":
                x = self._PAD + (self._GLYPH if glyph else 0)
                p.setPen(self._text_pen if glyph else self._muted_pen)
                p.drawText(QPointF(x, mid + (fm.ascent() - fm.descent()) / 2), text)
            y += row

    def _paint_ramp(self, p: QPainter, y: float, row: int, fm) -> None:
        assert self._fill is not None
        _, lo, hi = self._fill
        lo_text, hi_text = f"{lo:.3g}", f"{hi:.3g}"
        x0 = self._PAD + fm.horizontalAdvance(lo_text) + 4
        x1 = self.width() - self._PAD - fm.horizontalAdvance(hi_text) - 4
        step = (x1 - x0) / len(self._ramp)
        p.setPen(Qt.PenStyle.NoPen)
        for k, brush in enumerate(self._ramp):
            p.setBrush(brush)
            p.drawRect(QRectF(x0 + k * step, y + 4, step + 0.5, row - 8))
        base = y + row / 2 + (fm.ascent() - fm.descent()) / 2
        p.setPen(self._text_pen)
        p.drawText(QPointF(self._PAD, base), lo_text)
        p.drawText(QPointF(x1 + 4, base), hi_text)


class _ScaleBar(Overlay):
    _TARGET_PX = 110

    def __init__(self, parent: QWidget, style: MapStyle) -> None:
        super().__init__(parent, style)
        self._bar_pen = cosmetic_pen(QColor(style.overlay_text), 2.0, Qt.PenCapStyle.FlatCap)
        self._metres_per_px = 0.0
        self.setFixedSize(self._TARGET_PX * 2 + 20, 40)

    def set_metres_per_pixel(self, metres: float) -> None:
        if metres != self._metres_per_px:
            self._metres_per_px = metres
            self._refresh()

    def _bar(self) -> tuple[float, float]:
        """A round length (1, 2 or 5 × 10^k metres) close to _TARGET_PX, and its width in px."""
        raw = self._metres_per_px * self._TARGET_PX
        exp = 10 ** math.floor(math.log10(raw))
        nice = max((m * exp for m in (1, 2, 5, 10) if m * exp <= raw), default=exp)
        return nice, nice / self._metres_per_px

    def _draw(self, p: QPainter) -> None:
        if self._metres_per_px <= 0 or not math.isfinite(self._metres_per_px):
            return
        metres, px = self._bar()
        if metres >= 1000:
            label = self.tr("%1 km").replace("%1", f"{metres / 1000:g}")
        else:
            label = self.tr("%1 m").replace("%1", f"{metres:g}")
        fm = self.fontMetrics()
        width = int(px + fm.horizontalAdvance(label) + 30)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(self._panel_pen)
        p.setBrush(self._panel_brush)
        p.drawRoundedRect(QRectF(0.5, 0.5, width - 1, self.height() - 1), 6, 6)
        base = self.height() - 12
        p.setPen(self._bar_pen)
        p.drawLine(QPointF(10, base), QPointF(10 + px, base))
        p.drawLine(QPointF(10, base - 6), QPointF(10, base + 1))
        p.drawLine(QPointF(10 + px, base - 6), QPointF(10 + px, base + 1))
        p.setPen(self._text_pen)
        p.drawText(QPointF(18 + px, base + (fm.ascent() - fm.descent()) / 2 - 2), label)




class Attribution(Overlay):
    """The basemap's credit line, bottom right, as its licence asks."""

    def __init__(self, parent: QWidget, style: MapStyle) -> None:
        super().__init__(parent, style)
        self._text = ""
        self.hide()

    def set_text(self, text: str) -> None:
        self._text = text
        self.setVisible(bool(text))
        self.adjustSize()
        self._refresh()

    def sizeHint(self) -> QSize:
        fm = self.fontMetrics()
        return QSize(fm.horizontalAdvance(self._text) + 12, fm.height() + 6)

    def _draw(self, p: QPainter) -> None:
        self._panel(p)
        fm = self.fontMetrics()
        p.setPen(self._muted_pen)
        p.drawText(QPointF(6, 3 + fm.ascent()), self._text)


class SelectionBand(QRubberBand):
    """The box being dragged (Shift+drag, or a drawing tool's box), in viewport pixels."""

    def __init__(self, viewport: QWidget) -> None:
        super().__init__(QRubberBand.Shape.Rectangle, viewport)

    def follow(self, rect: QRect, finished: bool) -> None:
        """Show the box from press to pointer; hide it when the drag ends."""
        self.setGeometry(rect.normalized())
        self.setVisible(not finished)
