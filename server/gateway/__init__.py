"""The JT/T 808 gateway: GPS terminals over TCP -> the server's store."""

from server.gateway.server import JT808Gateway, PositionSink

__all__ = ["JT808Gateway", "PositionSink"]
