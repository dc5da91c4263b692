"""Database access: where the database is, connections, advisory locks and migrations."""
