"""Who is calling: a follower (mini-program or H5 page) or a staff member."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Protocol

from core.uow import Actor
from identity.access import allowed


class FollowerRecord(Protocol):
    """What identity reads of a follower: its row id and WeChat ids. The caller passes the
    follower (``followers.models.Follower`` is one); identity never imports the package."""

    @property
    def id(self) -> int: ...

    @property
    def openid(self) -> str: ...

    @property
    def unionid(self) -> str | None: ...


@dataclass(frozen=True)
class Principal:
    kind: Literal["follower", "staff"]
    session_id: str | None = None  # None for an H5 page signed in by cookie
    follower_id: int | None = None
    openid: str | None = None
    unionid: str | None = None
    staff_id: int | None = None
    username: str | None = None
    roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_follower(self) -> bool:
        return self.kind == "follower"

    @property
    def is_staff(self) -> bool:
        return self.kind == "staff"

    def can(self, permission: str) -> bool:
        return self.is_staff and allowed(self.roles, permission)

    def owns(self, follower_id: int | None) -> bool:
        """A follower reaches only records that belong to its own follower row."""
        return self.is_follower and follower_id is not None and follower_id == self.follower_id

    @property
    def actor(self) -> Actor:
        if self.is_staff:
            return Actor(label=f"staff:{self.username}", staff_id=self.staff_id)
        return Actor(label=f"follower:{self.follower_id}")
