"""xinbao qr create | poster | list | stats — scene QR codes, their posters, who came through."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import click
from wechatpy.exceptions import WeChatClientException

from xinbao_cli.common import app_context

DEFAULT_OUT = Path("instance") / "qr"
DEFAULT_DAYS = 30


def register(group: click.Group) -> None:
    group.add_command(qr)


@click.group(help="QR codes with a scene (branches, trade fairs, partner banks).")
def qr() -> None:
    pass


out_option = click.option("--out", type=click.Path(file_okay=False, path_type=Path),
                          default=DEFAULT_OUT, show_default=True,
                          help="Folder for the poster PNG and PDF.")


@qr.command(help="Create a code through the API and print its poster (PNG and PDF).")
@click.option("--scene", required=True, help="scene_str, 1–64 characters, e.g. branch_ningbo.")
@click.option("--days", type=int, help=f"Temporary code valid N days (1–30; default "
                                       f"{DEFAULT_DAYS}).")
@click.option("--permanent", is_flag=True, help="A permanent code (quota: 100,000).")
@click.option("--caption", default="", help="A line under the code, e.g. 广交会展位 扫码关注.")
@out_option
def create(scene: str, days: int | None, permanent: bool, caption: str, out: Path) -> None:
    from core.services import current
    from qr import codes

    if not permanent and days is None:
        days = DEFAULT_DAYS
    request = codes.QrRequest(scene=scene, days=days, permanent=permanent, caption=caption)
    with app_context():
        services = current()
        try:
            code, created = codes.create(services.db.session, request,
                                         services.wechat.api.qrcode.create, services.clock())
        except codes.QrLimitError as error:
            raise click.ClickException(str(error)) from None
        except WeChatClientException as error:
            raise click.ClickException(f"微信接口返回错误 {error.errcode}: {error.errmsg}") \
                from None
        services.db.session.commit()
        if not created:
            click.echo(f"场景「{scene}」已有永久二维码，沿用它（不再占用配额）")
        _describe(code)
        _write_poster(code, caption or code.caption, out, services.settings.wechat.account_name)


@qr.command(help="Print the poster of an existing code again.")
@click.option("--scene", required=True)
@click.option("--caption", default=None, help="Another caption than the one stored.")
@out_option
def poster(scene: str, caption: str | None, out: Path) -> None:
    from core.services import current
    from qr import codes

    with app_context():
        services = current()
        code = codes.find(services.db.session, scene)
        if code is None:
            raise click.ClickException(f"没有场景「{scene}」的二维码；先运行 xinbao qr create")
        _write_poster(code, code.caption if caption is None else caption, out,
                      services.settings.wechat.account_name)


@qr.command(name="list", help="Every code created, with its scene and expiry.")
def list_codes() -> None:
    from core.services import current
    from qr import codes

    with app_context():
        for code in codes.all_codes(current().db.session):
            _describe(code)
        used = codes.permanent_count(current().db.session)
        click.echo(f"永久二维码：已用 {used} / {codes.PERMANENT_QUOTA}")


@qr.command(help="Follow statistics per scene: new, returning, scans, since unfollowed.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Only events from this day on (UTC).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def stats(since: datetime | None, as_json: bool) -> None:
    from core.services import current
    from followers.stats import scene_stats

    with app_context():
        rows = scene_stats(current().db.session, since.replace(tzinfo=UTC) if since else None)
    if as_json:
        click.echo(json.dumps([row.as_dict() for row in rows], ensure_ascii=False, indent=2))
        return
    click.echo(f"{'场景':<24}{'新关注':>6}{'回归':>6}{'已关注扫码':>10}{'已取关':>6}")
    for row in rows:
        click.echo(f"{row.scene or '(无场景)':<24}{row.new:>8}{row.returning:>8}"
                   f"{row.scans:>12}{row.unfollowed:>8}")


def _describe(code) -> None:
    kind = "永久" if code.permanent else f"临时，至 {code.expires_at:%Y-%m-%d %H:%M} UTC"
    click.echo(f"{code.scene}\t{kind}\t{code.url}")


def _write_poster(code, caption: str, out: Path, account_name: str) -> None:
    from qr import poster

    image = poster.render(code.url, poster.PosterText(account_name, caption, code.scene))
    out.mkdir(parents=True, exist_ok=True)
    stem = "qr-" + re.sub(r"[^\w.-]", "_", code.scene)  # a scene may hold "/" or "?"
    png, pdf = out / f"{stem}.png", out / f"{stem}.pdf"
    png.write_bytes(poster.to_png(image))
    pdf.write_bytes(poster.to_pdf(image))
    click.echo(f"海报：{png}  {pdf}")
