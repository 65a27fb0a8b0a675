"""The GridDesk central server: system of record, HTTP API, JT/T 808 gateway."""
