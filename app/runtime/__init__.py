"""The client's Qt runtime without widgets: the composition root (session),
the one background API, the change bus, translation and fonts.
"""
