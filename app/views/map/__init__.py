"""The district map: the canvas and its layers (static composite, points,
tracks, overlays), tiles as Qt images, basemap settings and the controller.
"""
