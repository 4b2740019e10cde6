"""Services answered from the guide until their own packages land (``guide/``): what the seed
document says about them and where to go (SOL 信保通, the Single Window, a branch office).

Words are in templates/replies/services/.
"""

from __future__ import annotations

from wechatpy.messages import BaseMessage

from core.replies import Reply
from handlers.context import Ctx, Handler


def _plain(template: str, **data: str) -> Handler:
    def handle(msg: BaseMessage, ctx: Ctx) -> Reply:
        return ctx.text(template, **data)

    return handle


HANDLERS: dict[str, Handler] = {
    "guide.loans": _plain("services/loans.j2"),
}
