"""A run of ``xinbao buyers import`` as the database keeps it: where it got to, and what a
first load set aside.

- The checkpoint (byte offset, line, counts) is updated in the same transaction as the batch
  it follows, so it can never claim rows the database does not have, whatever the crash.
- A run is resumed by a second import of the same file: same absolute path, size and
  modification time. A changed file, or ``--restart``, abandons the old run.
- A first load on PostgreSQL (an empty registry) sets the secondary indexes of ``buyers`` and
  ``buyer_names`` aside and builds them once at the end, as PostgreSQL's guide to populating
  a database advises: a sorted build is several times cheaper than keeping a trigram index
  and four B-trees up to date row by row. Dropping them and recording their definitions is
  one transaction, and so is rebuilding them and finishing the run: an interrupted first load
  leaves the definitions in its run, and the next run (of any file) takes them over and
  builds them when it finishes.
  The unique (source, source_id) index stays: the upsert needs it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import exists, select, text
from sqlalchemy.orm import Session

from lights.models import Buyer, BuyerImport

BUILD_MEMORY = "256MB"  # maintenance_work_mem for building the deferred indexes

# Secondary indexes of the registry tables: neither the primary key nor a unique index.
_SECONDARY_INDEXES = text(
    "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
    "JOIN pg_class c ON c.oid = i.indexrelid "
    "WHERE i.indrelid IN ('buyers'::regclass, 'buyer_names'::regclass) "
    "AND NOT i.indisprimary AND NOT i.indisunique ORDER BY c.relname"
)


def file_identity(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return str(path.resolve()), stat.st_size, int(stat.st_mtime)


def _running(session: Session, path: Path) -> list[BuyerImport]:
    statement = (select(BuyerImport)
                 .where(BuyerImport.path == file_identity(path)[0],
                        BuyerImport.status == "running")
                 .order_by(BuyerImport.id.desc()))
    return list(session.scalars(statement))


def resumable(session: Session, path: Path) -> BuyerImport | None:
    """The unfinished run of this very file (not a file since changed), if there is one."""
    _, size, mtime = file_identity(path)
    return next((run for run in _running(session, path)
                 if (run.size, run.mtime) == (size, mtime)), None)


def start(session: Session, path: Path, source: str, resume: bool) -> BuyerImport:
    """The run to continue, or a new one (committed). Indexes that any earlier, unfinished run
    set aside pass to this one, so that whichever run finishes next builds them."""
    run = resumable(session, path) if resume else None
    is_new = run is None
    if run is None:
        for old in _running(session, path):
            old.status = "abandoned"
        name, size, mtime = file_identity(path)
        run = BuyerImport(path=name, size=size, mtime=mtime, source=source, status="running",
                          offset=0, line=0, accepted=0, rejected=0, deferred_indexes=[])
        session.add(run)
    taken = _take_deferred_indexes(session, run)
    if is_new and not taken:
        taken = _defer_indexes(session)
    if taken:
        run.deferred_indexes = [*run.deferred_indexes, *taken]
    session.commit()
    return run


def _take_deferred_indexes(session: Session, run: BuyerImport) -> list[str]:
    taken: list[str] = []
    holding = select(BuyerImport).where(BuyerImport.status != "finished")
    for other in session.scalars(holding):
        if other is not run and other.deferred_indexes:
            taken += other.deferred_indexes
            other.deferred_indexes = []
    return taken


def record_batch(run: BuyerImport, offset: int, line: int, accepted: int,
                 rejected: int) -> None:
    """Move the checkpoint; the caller commits it with the batch."""
    run.offset, run.line, run.accepted, run.rejected = offset, line, accepted, rejected
    run.updated_at = datetime.now(UTC)


def finish(session: Session, run: BuyerImport) -> None:
    """Build what the run set aside and mark it finished, in one transaction."""
    if run.deferred_indexes:
        session.execute(text(f"SET LOCAL maintenance_work_mem = '{BUILD_MEMORY}'"))
        for definition in run.deferred_indexes:
            session.execute(text(definition.replace("CREATE INDEX ", "CREATE INDEX IF NOT "
                                                    "EXISTS ", 1)))
    run.status, run.deferred_indexes = "finished", []
    run.updated_at = datetime.now(UTC)
    session.commit()


def _defer_indexes(session: Session) -> list[str]:
    """On PostgreSQL with an empty registry: drop the secondary indexes, return their
    definitions (the caller records them in the same transaction)."""
    if session.get_bind().dialect.name != "postgresql":
        return []
    if session.scalar(select(exists().select_from(Buyer))):
        return []
    definitions = []
    for name, definition in session.execute(_SECONDARY_INDEXES):
        session.execute(text(f'DROP INDEX "{name}"'))
        definitions.append(definition)
    return definitions
