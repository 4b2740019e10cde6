"""ListPage: a staff list with search, filters, sorting, pages, a detail page and its Excel
export, declared in a few lines by a service's web module.

    INBOX = ListPage(
        name="inbox", title="咨询收件箱", permission=SUPPORT_READ,
        query=lambda: select(Ticket.id, Ticket.kind, Ticket.subject, Ticket.updated_at),
        columns=(Col("id", "编号", "int"), Col("kind", "类型", labels=KIND_NAMES),
                 Col("subject", "主题"), Col("updated_at", "更新时间", "datetime")),
        search=("subject",), filters=(Choice("kind", "类型", KIND_NAMES),),
        dates="updated_at", sort="updated_at")
    INBOX.register(staff_bp)          # GET /, /export.xlsx, /<id> (endpoints inbox, inbox_export,
                                      # inbox_detail), each checking the permission

The query's columns are named by the ``Col`` keys (``Model.column`` keeps its name, anything
else ``.label("key")``). The request's arguments (``q``, ``sort``, ``page``, ``from``, ``to``
and each filter's key) make the statement, so the page, its export and a background export
of the same arguments list the same rows. Exports are audited (``console.export``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from markupsafe import Markup
from sqlalchemy import Select, String, cast, func, or_
from sqlalchemy.sql.elements import ColumnElement, Label
from werkzeug.wrappers import Response

from core.services import current
from core.stats import CellKind
from core.workdays import BEIJING
from web.console import xlsx

# Above this many rows an export runs as a background job (rq) with a download link: a
# request must answer within a proxy's timeout, and 10^5 rows take longer than that.
SYNC_EXPORT_ROWS = 5000
LISTS: dict[str, ListPage] = {}  # name -> page: a background export finds its list here


@dataclass(frozen=True)
class Col:
    key: str
    title: str  # Chinese: the page's and the spreadsheet's header
    kind: CellKind = "text"
    labels: Mapping[str, str] | None = None  # stored code -> what staff read
    in_list: bool = True  # False: shown on the detail page and in the export only
    # stored value -> what staff read, where one mapping cannot name it (a list of codes)
    shown: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class Choice:
    """A filter: ``?<key>=<value>``, one of ``options`` (value -> label)."""

    key: str
    title: str
    options: Mapping[str, str]
    # A condition other than "column == value" (e.g. a deadline near, which moves with today):
    # (value) -> the WHERE clause, built per request. None: the column named ``key`` equals it.
    where: Callable[[str], ColumnElement[bool]] | None = None


@dataclass(frozen=True)
class Filter:
    """What a request asked for, after checking: unknown values are dropped, never a 500."""

    q: str = ""
    sort: str = ""
    page: int = 1
    start: date | None = None
    end: date | None = None
    choices: dict[str, str] = field(default_factory=dict)

    def args(self, **changes: Any) -> dict[str, Any]:
        """As URL arguments (for links that keep the filter)."""
        values: dict[str, Any] = {"q": self.q, "sort": self.sort, "page": self.page,
                                  "from": self.start.isoformat() if self.start else "",
                                  "to": self.end.isoformat() if self.end else "",
                                  **self.choices}
        values.update(changes)
        if values["page"] == 1:
            del values["page"]
        return {key: value for key, value in values.items() if value not in ("", None)}


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return None


@dataclass
class ListPage:
    name: str  # unique: endpoints "<name>", "<name>_export", "<name>_detail"
    title: str
    permission: str  # from the access table (a manifest's ``access``)
    query: Callable[[], Select[Any]]
    columns: tuple[Col, ...]
    search: tuple[str, ...] = ()  # column keys searched for the ``q`` text (contains, any case)
    filters: tuple[Choice, ...] = ()
    dates: str | None = None  # the column the date range (Beijing days) applies to
    sort: str = "-id"  # the default order: a column key, "-" for descending
    detail: Callable[[int], Any] | None = None  # a custom detail view; None: every column
    page_size: int = 50
    # HTML shown above the list (a warning, a summary), built per request; None: nothing.
    above: Callable[[], str] | None = None
    # An aggregate list (rows grouped): the query of the rows in [start, end) (UTC bounds of
    # the Beijing days, None: open), so that the date range applies before the grouping;
    # ``dates`` then names the column the form shows. None: ``query`` and a range over it.
    ranged: Callable[[datetime | None, datetime | None], Select[Any]] | None = None
    blueprint: str = ""  # set by register()

    # --- the statement ----------------------------------------------------------------------

    def read_filter(self, args: Mapping[str, str]) -> Filter:
        keys = {column.key for column in self.columns}
        sort = args.get("sort", "")
        if sort.removeprefix("-") not in keys:
            sort = ""
        try:
            page = max(int(args.get("page", "1")), 1)
        except ValueError:
            page = 1
        choices = {choice.key: args[choice.key] for choice in self.filters
                   if args.get(choice.key) in choice.options}
        start, end = (_day(args.get("from")), _day(args.get("to"))) if self.dates else (None, None)
        return Filter(q=args.get("q", "").strip()[:100], sort=sort, page=page, start=start,
                      end=end, choices=choices)

    def _column(self, statement: Select[Any], key: str) -> ColumnElement[Any]:
        column = statement.selected_columns[key]
        return column.element if isinstance(column, Label) else column

    def statement(self, chosen: Filter) -> Select[Any]:
        if self.ranged is not None:
            statement = self.ranged(_utc(chosen.start) if chosen.start else None,
                                    _utc(chosen.end + timedelta(days=1)) if chosen.end else None)
        else:
            statement = self.query()
        for choice in self.filters:
            value = chosen.choices.get(choice.key)
            if value is not None:
                statement = statement.where(choice.where(value) if choice.where is not None
                                            else self._column(statement, choice.key) == value)
        if chosen.q and self.search:
            statement = statement.where(or_(*(
                cast(self._column(statement, key), String).icontains(chosen.q, autoescape=True)
                for key in self.search)))
        if self.dates and self.ranged is None:
            statement = self._date_range(statement, chosen)
        sort = chosen.sort or self.sort
        column = self._column(statement, sort.removeprefix("-"))
        order = column.desc() if sort.startswith("-") else column.asc()
        tiebreak = [self._column(statement, "id").desc()] if "id" in statement.selected_columns \
            and sort.removeprefix("-") != "id" else []
        return statement.order_by(order, *tiebreak)

    def _date_range(self, statement: Select[Any], chosen: Filter) -> Select[Any]:
        assert self.dates is not None
        column = self._column(statement, self.dates)
        as_dates = self._col(self.dates).kind == "date"
        if chosen.start:
            bound = chosen.start if as_dates else _utc(chosen.start)
            statement = statement.where(column >= bound)
        if chosen.end:
            bound = chosen.end if as_dates else _utc(chosen.end + timedelta(days=1))
            statement = statement.where(column <= bound if as_dates else column < bound)
        return statement

    def _col(self, key: str) -> Col:
        return next(column for column in self.columns if column.key == key)

    def count(self, statement: Select[Any]) -> int:
        session = current().db.session
        return session.scalar(select_count(statement)) or 0

    def rows(self, statement: Select[Any], chosen: Filter | None = None) -> list[Any]:
        if chosen is not None:
            statement = statement.offset((chosen.page - 1) * self.page_size).limit(self.page_size)
        return list(current().db.session.execute(statement).mappings())

    def stream(self, statement: Select[Any]) -> Iterator[Any]:
        """Every row, fetched a thousand at a time (a background export of 10^5 rows)."""
        result = current().db.session.execute(statement.execution_options(yield_per=1000))
        yield from result.mappings()

    # --- what staff read --------------------------------------------------------------------

    def describe(self, chosen: Filter) -> list[tuple[str, str]]:
        """The filter in words: a spreadsheet says what produced it."""
        lines = [(choice.title, choice.options[chosen.choices[choice.key]])
                 for choice in self.filters if choice.key in chosen.choices]
        if chosen.q:
            searched = "、".join(self._col(key).title for key in self.search)
            lines.append((f"搜索（{searched}）", chosen.q))
        if chosen.start or chosen.end:
            lines.append((f"{self._col(self.dates or '').title}（北京时间）",
                          f"{chosen.start or '…'} 至 {chosen.end or '…'}"))
        sort = chosen.sort or self.sort
        lines.append(("排序", self._col(sort.removeprefix("-")).title
                      + ("（降序）" if sort.startswith("-") else "（升序）")))
        return lines

    def display(self, column: Col, value: Any) -> Any:
        if value is None:
            return value
        if column.shown is not None:
            return column.shown(value)
        if column.labels is not None:
            return column.labels.get(str(value), value)
        return value

    # --- routes -----------------------------------------------------------------------------

    def register(self, bp: Blueprint, at: str = "/") -> None:
        if self.name in LISTS:
            raise ValueError(f"two staff lists are named {self.name!r}")
        from web.staff import staff_page  # here: web.staff declares its own lists with this

        LISTS[self.name] = self
        self.blueprint = bp.name
        guard = staff_page(self.permission)
        base = at.rstrip("/")
        detail = self.detail or self.detail_view
        bp.add_url_rule(at, self.name, guard(self.list_view))
        bp.add_url_rule(f"{base}/export.xlsx", f"{self.name}_export", guard(self.export_view))
        bp.add_url_rule(f"{base}/<id:row_id>", f"{self.name}_detail",
                        guard(lambda row_id: detail(row_id)))

    def endpoint(self, suffix: str = "") -> str:
        return f"{self.blueprint}.{self.name}{suffix}"

    def list_view(self) -> str:
        chosen = self.read_filter(request.args)
        statement = self.statement(chosen)
        total = self.count(statement)
        pages = max((total + self.page_size - 1) // self.page_size, 1)
        return render_template("pages/console/list.html", page=self, chosen=chosen,
                               above=Markup(self.above()) if self.above else "",
                               rows=self.rows(statement, chosen), total=total, pages=pages,
                               columns=[c for c in self.columns if c.in_list],
                               described=self.describe(chosen))

    def detail_view(self, row_id: int) -> str:
        """Every column of one row (``Col(in_list=False)`` ones too)."""
        statement = self.query()
        statement = statement.where(self._column(statement, "id") == row_id)
        row = current().db.session.execute(statement).mappings().first()
        if row is None:
            abort(404)
        return render_template("pages/console/detail.html", page=self, row=row)

    def export_view(self) -> Response:
        from web.console.jobs import start_export
        from web.staff import current_staff

        chosen = self.read_filter(request.args)
        statement = self.statement(chosen)
        total = self.count(statement)
        principal = current_staff()
        assert principal is not None  # @staff_page
        if total > SYNC_EXPORT_ROWS:
            job_id = start_export(self, chosen, total, principal)
            return redirect(url_for("console.job", job_id=job_id))
        content = self.workbook(self.rows(statement), chosen, total)
        services = current()
        from identity import audit

        audit.record(services.db.session, principal.actor, "console.export", "list",
                     self.name, after={"rows": total, "filter": chosen.args()},
                     now=services.clock())
        services.db.session.commit()
        return xlsx.download(content, f"{self.name}.xlsx")

    def workbook(self, rows: Any, chosen: Filter, total: int) -> bytes:
        return xlsx.table_workbook(
            self.title, [(c.title, c.kind) for c in self.columns],
            ([self.display(c, row[c.key]) for c in self.columns] for row in rows),
            self.describe(chosen) + [("行数", str(total))])


def select_count(statement: Select[Any]) -> Select[Any]:
    from sqlalchemy import select

    return select(func.count()).select_from(statement.order_by(None).subquery())


def _utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=BEIJING).astimezone(UTC)
