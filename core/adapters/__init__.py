"""Adapters to the outside world other than the ledger's storage (e-mail)."""
