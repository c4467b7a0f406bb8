"""The store's error for users (:class:`StoreError`, the base of every other), and rolling back without
masking the error that got there."""

from __future__ import annotations

import duckdb


class StoreError(RuntimeError):
    """A problem with the database that the user can act on; the message says how."""


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back if a transaction is still open, without masking the error that got us here."""
    try:
        con.execute("ROLLBACK")
    except duckdb.Error:
        pass
