"""Create QR codes within WeChat's limits: temporary ≤ 30 days, scene_str 1–64 characters,
at most 100,000 permanent codes per account (counted in our own table).

``create`` takes the API call as a function (wechatpy's ``client.qrcode.create``), so this
module knows nothing of the client or of Flask.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qr.models import QrCode

MAX_TEMPORARY_DAYS = 30
MAX_TEMPORARY_SECONDS = 2_592_000  # WeChat's own limit: 30 days
MIN_TEMPORARY_SECONDS = 60
MAX_SCENE_CHARS = 64
PERMANENT_QUOTA = 100_000
MAX_CAPTION_CHARS = 40

CreateCall = Callable[[dict[str, Any]], dict[str, Any]]


class QrLimitError(ValueError):
    """The request breaks a platform limit; the message says which (shown to the operator)."""


@dataclass(frozen=True)
class QrRequest:
    scene: str
    days: int | None = None  # None with permanent=True
    permanent: bool = False
    caption: str = ""


def check(request: QrRequest, permanent_used: int, quota: int = PERMANENT_QUOTA) -> None:
    scene = request.scene
    if not 1 <= len(scene) <= MAX_SCENE_CHARS:
        raise QrLimitError(f"场景值 scene_str 应为 1–{MAX_SCENE_CHARS} 个字符，"
                           f"现为 {len(scene)} 个")
    if scene != scene.strip() or any(char.isspace() for char in scene):
        raise QrLimitError("场景值不能含空白字符（会随扫码事件原样回传）")
    if len(request.caption) > MAX_CAPTION_CHARS:
        raise QrLimitError(f"海报说明最多 {MAX_CAPTION_CHARS} 个字")
    if request.permanent:
        if request.days is not None:
            raise QrLimitError("永久二维码没有有效天数：--days 与 --permanent 只能选一个")
        if permanent_used >= quota:
            raise QrLimitError(f"永久二维码已用满 {quota} 个的上限，请改用临时二维码")
        return
    days = request.days
    if days is None or not 1 <= days <= MAX_TEMPORARY_DAYS:
        raise QrLimitError(f"临时二维码有效期应为 1–{MAX_TEMPORARY_DAYS} 天，现为 {days}")


def request_body(request: QrRequest) -> dict[str, Any]:
    """The JSON of qrcode/create (string scenes: QR_STR_SCENE / QR_LIMIT_STR_SCENE)."""
    scene = {"scene": {"scene_str": request.scene}}
    if request.permanent:
        return {"action_name": "QR_LIMIT_STR_SCENE", "action_info": scene}
    seconds = min(int(request.days or 0) * 86_400, MAX_TEMPORARY_SECONDS)
    return {"action_name": "QR_STR_SCENE", "expire_seconds": seconds, "action_info": scene}


def permanent_count(session: Session) -> int:
    return session.scalar(select(func.count()).where(QrCode.permanent.is_(True))) or 0


def existing_permanent(session: Session, scene: str) -> QrCode | None:
    return session.scalar(select(QrCode).where(QrCode.scene == scene,
                                                QrCode.permanent.is_(True)))


def create(session: Session, request: QrRequest, call: CreateCall, now: datetime,
           quota: int = PERMANENT_QUOTA) -> tuple[QrCode, bool]:
    """Create (or, for a permanent scene that exists, reuse) a code; returns (code, created).

    A permanent code for a scene already printed is returned as it is: a second one would
    spend quota and carry the same scene.
    """
    if request.permanent:
        reused = existing_permanent(session, request.scene)
        if reused is not None:
            check(request, 0, quota)
            return reused, False
    check(request, permanent_count(session), quota)
    result = call(request_body(request))
    expires_at = None
    if not request.permanent:
        expires_at = now + timedelta(seconds=int(result.get("expire_seconds", 0)))
    code = QrCode(scene=request.scene, permanent=request.permanent, ticket=result["ticket"],
                  url=result["url"], caption=request.caption, created_at=now,
                  expires_at=expires_at)
    session.add(code)
    session.flush()  # the caller commits
    return code, True


def find(session: Session, scene: str) -> QrCode | None:
    """The newest code for a scene (to print its poster again)."""
    return session.scalar(select(QrCode).where(QrCode.scene == scene)
                          .order_by(QrCode.created_at.desc(), QrCode.id.desc()).limit(1))


def all_codes(session: Session) -> list[QrCode]:
    return list(session.scalars(select(QrCode).order_by(QrCode.created_at, QrCode.id)))
