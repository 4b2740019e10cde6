"""The console's own pages: statistics with charts (``/staff/stats``), background jobs and
their downloads (``/staff/jobs``), and buyer uploads (``/staff/uploads``)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from console.manifest import JOBS_READ, STATS_READ
from console.models import ConsoleJob
from core.services import current
from core.stats import BadRange, Figure, StatsQuery, collect, make_query
from identity import Principal, audit
from web import csrf
from web.console import charts, xlsx
from web.console.jobs import UPLOAD_SUFFIXES, start_upload
from web.staff import current_staff, staff_page

bp = Blueprint("console", __name__, url_prefix="/staff")
BUYERS_MANAGE = "buyers.manage"  # lights' permission (web may name it; lights owns it)
MAX_UPLOAD_BYTES = 64 * 1024 * 1024


@bp.before_request
def _protect_forms() -> None:
    if request.endpoint == "console.upload":  # before the form is read (by the CSRF check)
        # The app's limit is the webhook's few kilobytes; a buyer file is megabytes.
        request.max_content_length = MAX_UPLOAD_BYTES + 64 * 1024
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        csrf.protect()


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge) -> tuple[str, int]:
    return render_template("pages/staff/message.html", reason="refused",
                           detail=f"文件超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB，"
                                  "请用命令行 xinbao buyers import 导入"), 413


def _principal() -> Principal:
    principal = current_staff()
    assert principal is not None  # @staff_page
    return principal


def _day(name: str) -> tuple[date | None, bool]:
    text = request.args.get(name, "").strip()
    if not text:
        return None, True
    try:
        return date.fromisoformat(text), True
    except ValueError:
        return None, False


def _stats_query() -> tuple[StatsQuery | None, str]:
    (start, ok_start), (end, ok_end) = _day("from"), _day("to")
    if not (ok_start and ok_end):
        return None, "日期格式应为 2026-12-01"
    try:
        return make_query(current().clock(), start, end, request.args.get("scene")), ""
    except BadRange as bad:
        return None, str(bad)


def _figures(query: StatsQuery) -> list[Figure]:
    return collect(current().db.session, query, _principal().can)


def _described(query: StatsQuery) -> list[tuple[str, str]]:
    return [("日期（北京时间）", f"{query.start} 至 {query.end}"),
            ("二维码场景", query.scene or "全部")]


@bp.get("/stats")
@staff_page(STATS_READ)
def stats() -> tuple[str, int]:
    query, problem = _stats_query()
    if query is None:
        fallback = make_query(current().clock(), None, None)
        return render_template("pages/console/stats.html", query=fallback, problem=problem,
                               drawn=[], args={}), 400
    drawn = [(figure, *charts.render(figure)) for figure in _figures(query)]
    return render_template("pages/console/stats.html", query=query, problem="", drawn=drawn,
                           args=request.args.to_dict()), 200


@bp.get("/stats/export.xlsx")
@staff_page(STATS_READ)
def stats_export() -> Response | tuple[str, int]:
    query, problem = _stats_query()
    if query is None:
        return render_template("pages/staff/message.html", reason="refused",
                               detail=problem), 400
    figures = _figures(query)
    content = xlsx.sheets_workbook(
        [(f.title, [(c.title, c.kind) for c in f.columns], f.rows) for f in figures],
        _described(query), "运营统计")
    services = current()
    audit.record(services.db.session, _principal().actor, "console.export", "stats", None,
                 after={"from": query.start.isoformat(), "to": query.end.isoformat(),
                        "scene": query.scene}, now=services.clock())
    services.db.session.commit()
    return xlsx.download(content, f"stats-{query.start}-{query.end}.xlsx")


# --- background jobs -------------------------------------------------------------------------

def _visible_job(job_id: int) -> ConsoleJob:
    """One's own jobs; an admin sees everyone's. Another's answers like a missing one."""
    job = current().db.session.get(ConsoleJob, job_id)
    principal = _principal()
    if job is None or (job.staff_id != principal.staff_id and "admin" not in principal.roles):
        abort(404)
    return job


@bp.get("/jobs")
@staff_page(JOBS_READ)
def jobs() -> str:
    principal = _principal()
    query = select(ConsoleJob).order_by(ConsoleJob.id.desc()).limit(100)
    if "admin" not in principal.roles:
        query = query.where(ConsoleJob.staff_id == principal.staff_id)
    return render_template("pages/console/jobs.html", jobs=current().db.session.scalars(query))


@bp.get("/jobs/<id:job_id>")
@staff_page(JOBS_READ)
def job(job_id: int) -> str:
    found = _visible_job(job_id)
    return render_template("pages/console/job.html", job=found, rate=_rate(found))


def _rate(job: ConsoleJob) -> float | None:
    """Rows a second so far (a buyer upload)."""
    if job.kind != "buyers" or job.started_at is None:
        return None
    end = job.finished_at or current().clock()
    seconds = (_aware(end) - _aware(job.started_at)).total_seconds()
    return (job.accepted + job.rejected) / seconds if seconds > 0 else None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@bp.get("/jobs/<id:job_id>/download")
@staff_page(JOBS_READ)
def job_download(job_id: int) -> Response:
    job = _visible_job(job_id)
    if job.status != "done" or job.result is None:
        abort(404)
    mimetype = xlsx.XLSX if job.filename.endswith(".xlsx") else "text/csv"
    return Response(job.result, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{job.filename}"'})


# --- buyer uploads ---------------------------------------------------------------------------

@bp.get("/uploads")
@staff_page(BUYERS_MANAGE)
def uploads(problem: str = "", status: int = 200) -> tuple[str, int]:
    query = select(ConsoleJob).where(ConsoleJob.kind == "buyers")
    principal = _principal()
    if "admin" not in principal.roles:  # as /staff/jobs: one's own (an admin sees all)
        query = query.where(ConsoleJob.staff_id == principal.staff_id)
    mine = current().db.session.scalars(query.order_by(ConsoleJob.id.desc()).limit(20))
    return render_template("pages/console/uploads.html", problem=problem, uploads=mine,
                           suffixes=UPLOAD_SUFFIXES), status


@bp.post("/uploads")
@staff_page(BUYERS_MANAGE)
def upload() -> Any:
    file = request.files.get("file")
    name = Path(file.filename or "").name if file else ""
    if file is None or not name:
        return uploads("请选择要上传的文件", 400)
    if Path(name).suffix.lower() not in UPLOAD_SUFFIXES:
        return uploads("只接受 CSV、JSON Lines（.jsonl）或 Excel（.xlsx）文件", 400)
    data = file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return uploads(f"文件超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB，请用命令行导入", 413)
    if not data.strip():
        return uploads("文件是空的", 400)
    source = (request.form.get("source") or "console").strip()[:40] or "console"
    job_id = start_upload(_principal(), name, data, source)
    return redirect(url_for("console.job", job_id=job_id))
