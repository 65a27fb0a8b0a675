"""The desktop client's local store: the replica, the outbox and sync state."""
