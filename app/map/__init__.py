"""The map's parts that are not widgets: tiles, basemap sources, cell figures, spatial index."""
