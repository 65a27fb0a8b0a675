"""The one client of the central server, and the transports built on it
(attachments, basemap tiles): token, sign-in, retries, timeouts, TLS trust.

Only app/sync and the composition root use this package; views never do.
"""
