"""A buyer upload of 100,000 rows through the console: the rate, the progress the page shows on
the way, and that it ends with the same counts as ``xinbao buyers import`` of the same file.

The real path: an operator signs in (cookie and CSRF), posts the file to ``/staff/uploads``
(multipart), the job (``web.console.jobs.run_buyer_import``) runs the importer of the CLI and
writes its progress to the job's row; the bench polls ``/staff/jobs/<id>`` as the page's
refresh does and notes each progress figure it reads. Then the same file goes through
``lights.importer.import_buyers`` (what the CLI calls) into a second, fresh database and the
counts are compared. About 1 % of the rows are bad (no name, an unknown country).

    .venv/bin/python -m benchmarks.console_upload_bench                  # SQLite, in-process job
    .venv/bin/python -m benchmarks.console_upload_bench --rows 20000 --format xlsx
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench_upload \\
    REDIS_URL=redis://127.0.0.1:6379/12 .venv/bin/python -m benchmarks.console_upload_bench

With DATABASE_URL the bench empties that database first (and the CLI comparison runs on a
SQLite file); with REDIS_URL an rq worker process runs the job. Exits 1 if the counts differ.
"""

from __future__ import annotations

import argparse
import csv
import io
import multiprocessing
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

COUNTRIES = ("DE", "FR", "IT", "US", "GB", "JP", "BR", "AE", "TH", "VN")


def write_rows(path: Path, rows: int, form: str) -> int:
    """The file to upload; returns how many rows are bad on purpose."""
    header = ["source_id", "name", "country", "founded", "industry"]
    bad = 0
    records = []
    for n in range(rows):
        name, country = f"Bench Buyer {n:06d} Trading GmbH", COUNTRIES[n % len(COUNTRIES)]
        if n % 100 == 37:
            name, bad = "", bad + 1
        elif n % 100 == 73:
            country, bad = "Atlantis", bad + 1
        records.append([f"B{n:06d}", name, country, str(1950 + n % 70), "machinery"])
    if form == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(header)
        for record in records:
            sheet.append(record)
        book.save(path)
    else:
        with path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(records)
    return bad


def _worker(config: dict[str, Any]) -> None:
    from redis import Redis
    from rq import SimpleWorker

    from app import create_app
    from core.jobs import QUEUE_NAME

    app = create_app(config)
    with app.app_context():
        SimpleWorker([QUEUE_NAME], connection=Redis.from_url(config["redis"]["url"])).work(
            burst=False, with_scheduler=False, logging_level="WARNING")


def _fresh(app: Any) -> None:
    from core.db import Base
    from core.migrate import upgrade
    from core.services import EXTENSION_KEY

    services = app.extensions[EXTENSION_KEY]
    with services.db.engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
    upgrade(services.db.engine)


def _config(database_url: str, redis_url: str) -> dict[str, Any]:
    return {"env": "development", "server": {"public_url": "http://127.0.0.1:1"},
            "database": {"url": database_url}, "redis": {"url": redis_url}}


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def through_console(app: Any, path: Path) -> tuple[int, int, float, list[str]]:
    """(accepted, rejected, seconds, the progress figures the page showed)."""
    from core.services import EXTENSION_KEY
    from tests.helpers import TEST_PASSWORD, make_staff

    services = app.extensions[EXTENSION_KEY]
    with app.app_context():
        make_staff(services, "bench.operator", ["operator"])
    client = app.test_client()
    login = client.get("/staff/login")
    client.post("/staff/login", data={"csrf_token": _csrf(login.get_data(as_text=True)),
                                      "username": "bench.operator", "password": TEST_PASSWORD})
    form = client.get("/staff/uploads").get_data(as_text=True)
    started = time.perf_counter()
    answer = client.post("/staff/uploads", content_type="multipart/form-data", data={
        "csrf_token": _csrf(form), "source": "bench",
        "file": (io.BytesIO(path.read_bytes()), path.name)})
    if answer.status_code != 302:
        raise SystemExit(f"the upload was refused ({answer.status_code}): "
                         f"{answer.get_data(as_text=True)[:2000]}")
    job_url = answer.headers["Location"]
    seen: list[str] = []
    while True:
        page = client.get(job_url).get_data(as_text=True)
        status = re.search(r'data-status="(\w+)"', page).group(1)  # type: ignore[union-attr]
        share = re.search(r"进度 (\d+%)", page).group(1)  # type: ignore[union-attr]
        if not seen or seen[-1] != share:
            seen.append(share)
        if status in ("done", "failed"):
            break
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    if status == "failed":
        raise SystemExit(f"the job failed: {page}")
    accepted = int(re.search(r'id="accepted">(\d+)<', page).group(1))  # type: ignore[union-attr]
    rejected = int(re.search(r'id="rejected">(\d+)<', page).group(1))  # type: ignore[union-attr]
    return accepted, rejected, seconds, seen


def through_cli_importer(path: Path, folder: str) -> tuple[int, int]:
    """The CLI's importer on the same rows (a workbook is read as the console reads it)."""
    from app import create_app
    from core.services import EXTENSION_KEY
    from lights.importer import import_buyers
    from web.console.jobs import xlsx_to_csv

    app = create_app(_config(f"sqlite:///{folder}/cli.sqlite3", ""))
    _fresh(app)
    if path.suffix == ".xlsx":
        converted = path.with_suffix(".csv")
        xlsx_to_csv(path.read_bytes(), converted)
        path = converted
    with app.app_context():
        report = import_buyers(app.extensions[EXTENSION_KEY].db.session, path, source="bench")
    return report.accepted, report.rejected


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    args = parser.parse_args()

    from app import create_app

    folder = tempfile.mkdtemp(prefix="upload-bench-")
    path = Path(folder) / f"buyers.{args.format}"
    bad = write_rows(path, args.rows, args.format)
    redis_url = os.environ.get("REDIS_URL", "")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{folder}/console.sqlite3"
    config = _config(database_url, redis_url)
    app = create_app(config)
    _fresh(app)
    worker = None
    if redis_url:
        worker = multiprocessing.get_context("spawn").Process(target=_worker, args=(config,),
                                                              daemon=True)
        worker.start()
    engine = "PostgreSQL" if database_url.startswith("postgres") else "SQLite"
    print(f"uploading {args.rows:,} rows ({bad:,} bad) as {path.name} "
          f"({path.stat().st_size / 1e6:.1f} MB); {engine}, "
          f"{'an rq worker' if worker else 'the job in-process'}")
    try:
        accepted, rejected, seconds, seen = through_console(app, path)
    finally:
        if worker:
            worker.terminate()
    print(f"console: accepted {accepted:,}, rejected {rejected:,} in {seconds:.1f} s "
          f"({(accepted + rejected) / seconds:,.0f} rows/s, upload to done); "
          f"progress seen: {' → '.join(seen)}")
    cli = through_cli_importer(path, folder)
    print(f"xinbao buyers import (the same importer): accepted {cli[0]:,}, rejected {cli[1]:,}")
    same = (accepted, rejected) == cli and rejected == bad
    print("same counts" if same else "COUNTS DIFFER")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
