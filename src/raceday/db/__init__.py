"""Database access: where the database is, connections and pools, advisory locks, migrations.

The public surface of the package; the CLI, the service and the other packages import only these
names. Library code never opens a connection from a URL: it is handed a `ConnectionSource` (a
connection or a pool from `open_pool`) and `borrow()`s from it.
"""

from raceday.db.embedded import (
    EMBEDDED_DATABASE,
    EmbeddedServer,
    ensure_embedded,
    find_embedded,
    stop_embedded,
)
from raceday.db.inspect import TableSummary, table_summaries
from raceday.db.locks import LockKey, LockSpace, race_lock_key, session_lock, try_session_lock
from raceday.db.migrate import (
    MigrationResult,
    Revision,
    SchemaState,
    current,
    downgrade,
    head,
    history,
    require_head,
    schema_state,
    upgrade,
)
from raceday.db.pool import (
    ConnectionSource,
    borrow,
    connect,
    connection_options,
    open_async_pool,
    open_pool,
    redact,
)
from raceday.db.target import Database, resolve_database, with_database

__all__ = [
    "EMBEDDED_DATABASE",
    "ConnectionSource",
    "Database",
    "EmbeddedServer",
    "LockKey",
    "LockSpace",
    "MigrationResult",
    "Revision",
    "SchemaState",
    "TableSummary",
    "borrow",
    "connect",
    "connection_options",
    "current",
    "downgrade",
    "ensure_embedded",
    "find_embedded",
    "head",
    "history",
    "open_async_pool",
    "open_pool",
    "race_lock_key",
    "redact",
    "require_head",
    "resolve_database",
    "schema_state",
    "session_lock",
    "stop_embedded",
    "table_summaries",
    "try_session_lock",
    "upgrade",
    "with_database",
]
