from server.storage.schema import metadata
from server.storage.store import ServerStore

__all__ = ["ServerStore", "metadata"]
