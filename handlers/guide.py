"""Services answered from the guide until their own packages land (``guide/``): what the seed
document says about them and where to go (SOL 信保通, the Single Window, a branch office).

Words are in templates/replies/services/.
"""

from __future__ import annotations

from wechatpy.messages import BaseMessage

from core.replies import Reply
from handlers.branches import follower_branch
from handlers.context import Ctx, Handler


def _with_branch(template: str) -> Handler:
    def handle(msg: BaseMessage, ctx: Ctx) -> Reply:
        return ctx.text(template, **follower_branch(ctx))

    return handle


HANDLERS: dict[str, Handler] = {
    "guide.claims": _with_branch("services/claims.j2"),
}
