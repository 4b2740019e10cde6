"""Statistics as plain tables: what a service's ``Feature.stats`` functions return.

A stats function (``"module:function"`` in a manifest's ``stats``) takes the database session
and a ``StatsQuery`` (the Beijing-date range, an optional QR scene, now) and returns a list of
``Figure``s. The console draws each as a chart and a table (``/staff/stats``), serves it as JSON
(``/api/v1/stats/<key>``) and as an Excel sheet; the service never sees how.

Days are Beijing dates: operators read "yesterday" on a Chinese clock, and UTC would split a
Chinese working day in two.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from core.workdays import BEIJING, beijing_day

CellKind = Literal["text", "int", "number", "date", "datetime", "percent", "money"]
ChartKind = Literal["line", "bar", "none"]


@dataclass(frozen=True)
class StatsQuery:
    start: date  # first Beijing day, inclusive
    end: date  # last Beijing day, inclusive
    now: datetime
    scene: str | None = None  # only followers who came through this QR scene

    @property
    def start_utc(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=BEIJING).astimezone(UTC)

    @property
    def end_utc(self) -> datetime:
        """The moment after the last day (exclusive)."""
        return datetime.combine(self.end + timedelta(days=1), time.min,
                                tzinfo=BEIJING).astimezone(UTC)

    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]


@dataclass(frozen=True)
class Column:
    key: str
    title: str  # Chinese: the table's and the spreadsheet's header
    kind: CellKind = "text"


@dataclass(frozen=True)
class Figure:
    """One table of figures. ``chart`` draws ``series`` (column keys) against the first
    column; "none" shows the table only."""

    key: str  # unique across services: "followers.daily"; the JSON path /api/v1/stats/<key>
    title: str
    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]]
    chart: ChartKind = "bar"
    series: tuple[str, ...] = ()
    note: str = ""
    permission: str = "stats.read"  # who may see it (the access table)
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        keys = [column.key for column in self.columns]
        return {"key": self.key, "title": self.title, "note": self.note,
                "columns": [{"key": c.key, "title": c.title, "kind": c.kind}
                            for c in self.columns],
                "rows": [dict(zip(keys, (_plain(v) for v in row), strict=True))
                         for row in self.rows]}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "is_finite"):  # Decimal: JSON numbers, not strings
        return float(value)
    return value


def per_day(query: StatsQuery, events: Iterable[tuple[datetime, str]],
            kinds: Sequence[str]) -> list[tuple[Any, ...]]:
    """(day, count of kind 1, count of kind 2, …) for every day of the range, zeros included:
    a chart with missing days would draw a line straight across a quiet weekend."""
    counts = {day: dict.fromkeys(kinds, 0) for day in query.days()}
    for moment, kind in events:
        day = beijing_day(moment)
        if day in counts and kind in counts[day]:
            counts[day][kind] += 1
    return [(day, *(counts[day][kind] for kind in kinds)) for day in query.days()]


def age_hours(since: datetime | None, now: datetime) -> float | None:
    if since is None:
        return None
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return round((now - since).total_seconds() / 3600, 1)


def collect(session: Any, query: StatsQuery, may: Any = None) -> list[Figure]:
    """Every service's figures (its manifest's ``stats``), in the services' order; with
    ``may`` (permission -> bool), only those the caller may see."""
    from core.features import features, load

    found: list[Figure] = []
    for feature in features():
        for path in feature.stats:
            found += [figure for figure in load(path)(session, query)
                      if may is None or may(figure.permission)]
    return found


DEFAULT_DAYS = 30
MAX_DAYS = 366


class BadRange(ValueError):
    """The date range cannot be drawn; the message is for staff."""


def make_query(now: datetime, start: date | None, end: date | None,
               scene: str | None = None) -> StatsQuery:
    """The last 30 Beijing days by default; a reversed or over-long range is refused."""
    end = end or beijing_day(now)
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise BadRange("开始日期晚于结束日期")
    if (end - start).days + 1 > MAX_DAYS:
        raise BadRange(f"日期范围最长 {MAX_DAYS} 天")
    return StatsQuery(start=start, end=end, now=now, scene=(scene or "").strip()[:64] or None)
