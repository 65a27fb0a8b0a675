"""GridDesk desktop client."""
