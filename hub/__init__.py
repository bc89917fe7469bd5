"""The hub: ingest, ledger, API."""
