"""lights: import runs with their checkpoint in the database; buyer_names without a foreign key

``buyer_imports`` records every ``xinbao buyers import``: the file, where it got to (written in
the same transaction as each batch, so a crash can never leave a checkpoint ahead of the data)
and the secondary indexes a first load set aside, to be rebuilt at its end.

``buyer_names`` is a search index derived from ``buyers`` and written only by the importer, in
the same statement as its buyers. Its foreign key was checked row by row on every name inserted:
a fifth of SQLite's write time and a sixth of PostgreSQL's in a bulk import, for a guarantee
the single writer already gives. Nothing deletes buyers; code that comes to do so deletes
their names with them.

Revision ID: 0006_lights_imports
Revises: 0005_lights
Create Date: 2026-11-28 13:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_lights_imports"
down_revision: str | Sequence[str] | None = "0005_lights"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite cannot drop a constraint: the table is rebuilt (its documented twelve steps), and
# with it the objects that belong to it: its indexes and the triggers keeping FTS5 in step.
# The FTS5 table itself names buyer_names and its rowids, which the copy keeps.
SQLITE_NAMES_TABLE = (
    "CREATE TABLE buyer_names_new (id INTEGER NOT NULL PRIMARY KEY, "
    "buyer_id INTEGER NOT NULL{references}, kind VARCHAR(10) NOT NULL, "
    "name_key VARCHAR(300) NOT NULL, name_rev VARCHAR(300) NOT NULL, "
    "country VARCHAR(2) NOT NULL)"
)
SQLITE_NAMES_OBJECTS = ("index", "trigger")


def _rebuild_sqlite_names(references: str) -> None:
    bind = op.get_bind()
    objects = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE tbl_name = 'buyer_names' AND sql IS NOT NULL "
        f"AND type IN {SQLITE_NAMES_OBJECTS}").scalars().all()
    op.execute(SQLITE_NAMES_TABLE.format(references=references))
    op.execute("INSERT INTO buyer_names_new SELECT id, buyer_id, kind, name_key, name_rev, "
               "country FROM buyer_names")
    op.execute("DROP TABLE buyer_names")
    op.execute("ALTER TABLE buyer_names_new RENAME TO buyer_names")
    for statement in objects:
        op.execute(statement)


def upgrade() -> None:
    op.create_table(
        "buyer_imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(length=1000), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mtime", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("deferred_indexes", sa.JSON(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_buyer_imports_path_status", "buyer_imports", ["path", "status"])
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite_names("")
    else:
        op.drop_constraint("buyer_names_buyer_id_fkey", "buyer_names", type_="foreignkey")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_sqlite_names(" REFERENCES buyers (id) ON DELETE CASCADE")
    else:
        op.create_foreign_key("buyer_names_buyer_id_fkey", "buyer_names", "buyers",
                              ["buyer_id"], ["id"], ondelete="CASCADE")
    op.drop_index("ix_buyer_imports_path_status", table_name="buyer_imports")
    op.drop_table("buyer_imports")
