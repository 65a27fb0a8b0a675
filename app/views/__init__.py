"""Qt widgets and item models of the desktop client: no SQL, no HTTP in here."""
