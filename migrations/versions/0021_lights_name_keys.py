"""lights: name keys folded further (simplified Chinese, plain letters, more legal forms)

``lights.normalize`` now folds Japanese and traditional forms of Chinese characters to
simplified Chinese (長谷川鉱業 → 长谷川矿业), so that what a Chinese exporter types finds a
name registered in Japanese or traditional script; types ı, ł, ø as i, l, o (Yılmaz →
yilmaz); and strips a few more legal forms (Turkish "San. ve Tic.", German "e.K."). The names
already in ``buyer_names`` are keyed again: only keys with a letter outside ASCII or one of
those forms can change, and re-normalising a key gives the key of the name it came from (its
legal forms were stripped, the rest is folded text). On SQLite the FTS5 table follows by its
update trigger; on PostgreSQL the indexes do.

The downgrade leaves the keys as they are: a simplified key is still a key, and the previous
code finds the names it could find before whose keys did not change.

Revision ID: 0021_lights_name_keys
Revises: 0006_lights_imports
Create Date: 2026-12-01 09:00:00
"""

import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lights.normalize import name_key

revision: str = "0021_lights_name_keys"
down_revision: str | Sequence[str] | None = "0006_lights_imports"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 5_000
# The forms newly stripped, at the end of a key (ASCII keys change only by these).
_NEW_FORMS = re.compile(r" (san ve tic|ve tic|san tic|e k|ek|e kfm)$")


def upgrade() -> None:
    bind = op.get_bind()
    read = sa.text("SELECT id, name_key FROM buyer_names WHERE id > :after ORDER BY id "
                   "LIMIT :batch")
    write = sa.text("UPDATE buyer_names SET name_key = :key, name_rev = :rev WHERE id = :id")
    after = 0
    while rows := bind.execute(read, {"after": after, "batch": BATCH}).all():
        after = rows[-1][0]
        changed = [{"id": row_id, "key": new, "rev": new[::-1]}
                   for row_id, old in rows
                   if (not old.isascii() or _NEW_FORMS.search(old))
                   and (new := name_key(old)) and new != old]
        if changed:
            bind.execute(write, changed)


def downgrade() -> None:
    pass
