"""Everything a follower sent, written behind: the webhook appends each accepted message to a
Redis stream in its first round trip (``wechat.intake``), and a drain writes the stream into
``inbound_messages`` in batches — ``COPY`` on PostgreSQL — exactly once by the dedupe key.

Exactly once: entries are read through a consumer group; a batch is inserted with
``ON CONFLICT (dedupe_key) DO NOTHING`` and committed before its entries are acknowledged and
deleted. A drain that dies between the commit and the acknowledgement leaves its entries
pending; the next drain claims them after ``CLAIM_IDLE_MS`` and inserting them again adds
nothing. An accepted message is as safe as Redis keeps it: run Redis with ``appendonly yes``
(README, "Running in production").

``xinbao worker`` drains continuously (``xinbao_cli.server.start_log_drain``); the embedded
default drains on its job thread after each message; tests drain with ``drain_all``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import redis
from sqlalchemy import Connection, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.db import UNAVAILABLE as DATABASE_UNAVAILABLE
from core.db import Database, is_disconnect
from core.models import InboundMessage
from core.redis_store import key
from core.streams import StreamConsumer

STREAM = key("inbound", "log")
GROUP = "store"
LOG_MAX_ENTRIES = 1_000_000  # a bound on what a long database outage may pile up
BATCH = 2000
CLAIM_IDLE_MS = 30_000
GATHER_SECONDS = 0.25
COLUMNS = ("dedupe_key", "openid", "msg_type", "event", "content", "payload", "created_at")


def entry_row(entry: str) -> dict[str, Any]:
    """A stream entry's row, as ``wechat.inbound.log_row`` made it (the time as ISO text)."""
    row = json.loads(entry)
    row["created_at"] = datetime.fromisoformat(row["created_at"])
    return row


class InboundLog:
    def __init__(self, client: redis.Redis, db: Database, consumer: str | None = None,
                 claim_idle_ms: int = CLAIM_IDLE_MS) -> None:
        """``claim_idle_ms``: how long another drain's unacknowledged entries wait before this
        one writes them too (0: at once — safe, the dedupe key keeps each row once, but it
        writes a batch twice when the other drain was only slow)."""
        self.db = db
        self.entries = StreamConsumer(client, STREAM, GROUP, consumer, claim_idle_ms, BATCH)

    def drain_once(self, block_ms: int | None = None) -> int:
        """One batch: written, then acknowledged. Returns how many entries."""
        entries = self.entries.read(block_ms)
        if not entries:
            return 0
        try:
            self._write([entry_row(values["row"]) for _, values in entries])
        except Exception:
            self.entries.failed()
            raise
        self.entries.done([entry_id for entry_id, _ in entries])
        return len(entries)

    def _write(self, rows: list[dict[str, Any]]) -> None:
        for attempt in (1, 2):
            try:
                with self.db.engine.begin() as connection:
                    _insert_rows(connection, rows)
                return
            except DATABASE_UNAVAILABLE as error:
                # A pooled connection a database restart broke: the pool renews; once more.
                if attempt == 2 or not is_disconnect(error):
                    raise

    def drain_round(self) -> int:
        """The worker's round: a batch, then a pause unless the log was full, so that batches
        grow with the traffic instead of one small COPY per message (a message is in the
        database within about ``GATHER_SECONDS`` of its reply)."""
        written = self.drain_once(block_ms=1000)
        if written < BATCH:
            time.sleep(GATHER_SECONDS)
        return written

    def backlog(self) -> int:
        return self.entries.backlog()


def _insert_rows(connection: Connection, rows: list[dict[str, Any]]) -> None:
    if connection.dialect.name == "postgresql":
        _copy_rows(connection, rows)
        return
    statement = sqlite_insert(InboundMessage.__table__).on_conflict_do_nothing(
        index_elements=["dedupe_key"])
    connection.execute(statement, rows)


def _copy_rows(connection: Connection, rows: Iterable[dict[str, Any]]) -> None:
    """COPY into a temporary table, then one INSERT … ON CONFLICT DO NOTHING: a batch written
    again, or a row the webhook stored itself while Redis was away, adds nothing."""
    connection.execute(_BATCH_TABLE)
    raw = connection.connection.driver_connection
    with raw.cursor() as cursor, cursor.copy(_COPY) as copy:
        for row in rows:
            copy.write_row([json.dumps(row["payload"], ensure_ascii=False)
                            if column == "payload" else row[column] for column in COLUMNS])
    connection.execute(_FROM_BATCH)


_BATCH_TABLE = text("CREATE TEMP TABLE IF NOT EXISTS inbound_batch ON COMMIT DELETE ROWS AS "
                    f"SELECT {', '.join(COLUMNS)} FROM inbound_messages WITH NO DATA")
_COPY = f"COPY inbound_batch ({', '.join(COLUMNS)}) FROM STDIN"
_FROM_BATCH = text(f"INSERT INTO inbound_messages ({', '.join(COLUMNS)}) "
                   f"SELECT {', '.join(COLUMNS)} FROM inbound_batch "
                   "ON CONFLICT (dedupe_key) DO NOTHING")


def unwritten(client: redis.Redis, openid: str, scan: int = 500) -> list[dict[str, Any]]:
    """The follower's messages still in the log (the newest ``scan`` entries looked at), oldest
    first: what the database does not hold yet — the message being answered among them."""
    rows = [entry_row(values["row"]) for _, values in client.xrevrange(STREAM, count=scan)
            if values.get("row")]
    return [row for row in reversed(rows) if row["openid"] == openid]


def drain_all(log_: InboundLog, timeout: float = 20.0) -> None:
    """Until the stream is empty (the embedded default's job; tests). With ``claim_idle_ms``
    0 it writes what another drain holds too, rather than wait for it."""
    deadline = time.monotonic() + timeout
    while log_.backlog() and time.monotonic() < deadline:
        if not log_.drain_once():
            time.sleep(0.05)  # another drain holds the rest: wait for its acknowledgement
    if log_.backlog():
        raise TimeoutError("the inbound log was not drained in time")


def drain_inbound_log() -> None:
    """Job (embedded default): write what the inbound log holds."""
    from core.services import current

    services = current()
    drain_all(InboundLog(services.redis.text, services.db, claim_idle_ms=0))
