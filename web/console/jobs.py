"""The console's background jobs (rq): a large export, and a buyer upload through the same
importer as ``xinbao buyers import``. The operator watches ``/staff/jobs/<id>``.

Each job is idempotent: a job already done is left alone, and a buyer upload run again
resumes from the importer's checkpoint (the temporary file keeps its name per job).
"""

from __future__ import annotations

import csv
import io
import logging
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from console.models import ConsoleJob
from core.services import current
from identity import Principal, audit

if TYPE_CHECKING:
    from web.console.lists import Filter, ListPage

log = logging.getLogger(__name__)
UPLOAD_DIR = Path(tempfile.gettempdir()) / "xinbao-uploads"


def _new_job(principal: Principal, kind: str, title: str, filename: str, params: dict,
             total: int, data: bytes | None = None) -> ConsoleJob:
    services = current()
    job = ConsoleJob(kind=kind, status="queued", staff_id=int(principal.staff_id or 0),
                     title=title, params=params, filename=filename, total=total, data=data,
                     created_at=services.clock())
    session = services.db.session
    session.add(job)
    session.flush()
    audit.record(session, principal.actor, f"console.{kind}", "console_job", job.id,
                 after={"title": title, **params}, now=services.clock())
    session.commit()
    return job


def start_export(page: ListPage, chosen: Filter, total: int, principal: Principal) -> int:
    job = _new_job(principal, "export", f"导出：{page.title}", f"{page.name}.xlsx",
                   {"list": page.name, "args": chosen.args(page=1)}, total)
    current().jobs.enqueue(run_export, job.id)
    return job.id


def run_export(job_id: int) -> None:
    from web.console.lists import LISTS

    services = current()
    session = services.db.session
    job = session.get(ConsoleJob, job_id)
    if job is None or job.status == "done":
        return
    job.status, job.started_at = "running", services.clock()
    session.commit()
    try:
        page = LISTS[job.params["list"]]  # the web module declared it at import
        chosen = page.read_filter(job.params["args"])
        content = page.workbook(page.stream(page.statement(chosen)), chosen, job.total)
    except Exception as error:  # the operator sees why; rq logs the trace
        session.rollback()
        _fail(job_id, f"{type(error).__name__}: {error}")
        raise
    job = session.get(ConsoleJob, job_id)
    assert job is not None
    job.result, job.done, job.status = content, job.total, "done"
    job.finished_at = services.clock()
    session.commit()


def _fail(job_id: int, reason: str) -> None:
    services = current()
    with services.db.new_session() as session:
        job = session.get(ConsoleJob, job_id)
        if job is not None:
            job.status, job.error, job.finished_at = "failed", reason[:2000], services.clock()
            session.commit()


# --- buyer uploads -----------------------------------------------------------------------------

UPLOAD_SUFFIXES = (".csv", ".jsonl", ".xlsx")


def start_upload(principal: Principal, filename: str, data: bytes, source: str) -> int:
    job = _new_job(principal, "buyers", f"上传买方：{filename}", "rejected.csv",
                   {"file": filename, "source": source}, len(data), data=data)
    current().jobs.enqueue(run_buyer_import, job.id)
    return job.id


def xlsx_to_csv(data: bytes, target: Path) -> None:
    """The first sheet of a workbook as the CSV the importer reads (header row first)."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    sheet = book.worksheets[0]
    with target.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        for row in sheet.iter_rows(values_only=True):
            writer.writerow(["" if value is None else _csv_text(value) for value in row])
    book.close()


def _csv_text(value: object) -> str:
    if hasattr(value, "isoformat"):
        return value.isoformat()[:10]  # type: ignore[attr-defined]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def run_buyer_import(job_id: int) -> None:
    from lights.importer import import_buyers
    from lights.models import BuyerImport

    services = current()
    session = services.db.session
    job = session.get(ConsoleJob, job_id)
    if job is None or job.status in ("done", "failed"):
        return
    source, name = str(job.params.get("source") or "console"), str(job.params["file"])
    path = _materialise(job_id, name, job.data or b"")
    job.status, job.started_at = "running", services.clock()
    job.total = path.stat().st_size  # progress counts bytes of what the importer reads
    session.commit()
    rejects = io.StringIO()
    writer = csv.writer(rejects)
    writer.writerow(["行号", "原因"])

    def progress(_bytes: int) -> None:
        run = session.scalar(select(BuyerImport).where(BuyerImport.path == str(path.resolve()))
                             .order_by(BuyerImport.id.desc()).limit(1))
        if run is not None:
            _progress(job_id, run.offset, run.accepted, run.rejected)

    try:
        # parallel=False: the CLI parses big files in a second process; a worker shared with
        # the service's other jobs keeps to one (measured: no faster on a busy 2-core host).
        report = import_buyers(session, path, source=source, progress=progress,
                               on_reject=lambda line, why: writer.writerow([line, why]),
                               parallel=False)
    except Exception as error:
        session.rollback()
        _fail(job_id, f"{type(error).__name__}: {error}")
        raise
    job = session.get(ConsoleJob, job_id)
    assert job is not None
    job.done, job.accepted, job.rejected = job.total, report.accepted, report.rejected
    job.result = rejects.getvalue().encode("utf-8-sig")  # Excel opens a BOM'd CSV as UTF-8
    job.status, job.finished_at = "done", services.clock()
    session.commit()
    path.unlink(missing_ok=True)


def _materialise(job_id: int, name: str, data: bytes) -> Path:
    """The upload as a file the importer reads; a workbook becomes CSV first."""
    UPLOAD_DIR.mkdir(parents=True, exist_ok=True)
    suffix = Path(name).suffix.lower()
    path = UPLOAD_DIR / f"job-{job_id}{'.csv' if suffix == '.xlsx' else suffix}"
    if path.exists():  # a retried job: the importer resumes from its checkpoint
        return path
    if suffix == ".xlsx":
        xlsx_to_csv(data, path)
    else:
        path.write_bytes(data)
    return path


def _progress(job_id: int, done: int, accepted: int, rejected: int) -> None:
    """In its own transaction: the page reads it while the import goes on."""
    with current().db.new_session() as session:
        job = session.get(ConsoleJob, job_id)
        if job is not None:
            job.done, job.accepted, job.rejected = done, accepted, rejected
            session.commit()
