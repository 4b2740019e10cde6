"""Conversations in the chat: what a message means while a follower is in one.

For a follower in a conversation, in this order:

1. the answer to a question we asked ("1" fills it in, "2" goes to the other service);
2. the control words that work everywhere: 取消, 帮助, 返回, 继续填写;
3. a menu tap or another service's words: a short exchange (a name to look up, a list to pick
   from) simply ends; a form is kept as a draft — at once for a menu tap or a command with its
   argument ("查询 ACME"), after asking for a bare service word that could be an answer ("理赔");
4. input the step does not take (a photo where words are asked): the question again;
5. the step's answer.

The flows' drafts are rows (``core.drafts``); Redis keeps the cursor. With no cursor (Redis
flushed or down) the dispatcher asks ``find(recover=True)`` for a message no service claims,
and the conversation continues from its row.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import redis

from core.conversation import (
    INPUT_NAMES,
    Control,
    Flow,
    Goto,
    Input,
    InputKind,
    Stay,
    TextInput,
    Transition,
    as_text,
    has_content,
    is_submitted,
)
from core.drafts import (
    ACTIVE,
    CANCELLED,
    DONE,
    SUSPENDED,
    ConversationDraft,
    Cursor,
    CursorStore,
    DraftStore,
    aware,
)
from core.intents import IntentRouter, Understood
from core.redis_store import UNAVAILABLE as REDIS_UNAVAILABLE
from core.replies import Reply, Text

if TYPE_CHECKING:
    from handlers.context import Ctx

CONTROL_NAMES = frozenset(control.value for control in Control)
FILL_IN = "1"
GO_THERE = "2"


@dataclass
class Active:
    flow: Flow
    row: ConversationDraft
    cursor: Cursor


class Conversations:
    def __init__(self, flows: Mapping[str, Flow], router: IntentRouter, client: redis.Redis,
                 default_timeout: timedelta) -> None:
        self.flows = dict(flows)
        self.router = router
        self.cursors = CursorStore(client)
        self.default_timeout = default_timeout
        self.forms = {name for name, flow in self.flows.items() if flow.form}

    def timeout(self, flow: Flow) -> timedelta:
        return flow.timeout or self.default_timeout

    # --- where the follower is -----------------------------------------------------------------

    def find(self, ctx: Ctx, recover: bool = False) -> Active | None:
        """The conversation the follower is in. ``recover``: also when Redis has no cursor."""
        drafts = DraftStore(ctx.db)
        try:
            cursor = self.cursors.get(ctx.openid)
        except REDIS_UNAVAILABLE:  # where the follower is: the draft rows say it too
            cursor, recover = None, True
        if cursor is None:
            row = drafts.active(ctx.openid) if recover else None
            if row is None or row.flow not in self.flows:
                return None
            cursor = Cursor.of(row)
        else:
            row = drafts.get(cursor.draft_id)
            if row is None or row.status != ACTIVE or row.flow not in self.flows:
                self.cursors.clear(ctx.openid)
                return None
        flow = self.flows[row.flow]
        # The row is the truth (the cursor is written before the commit that may fail).
        cursor.state, cursor.deadline = row.state, aware(row.deadline)
        if not flow.has_state(cursor.state):  # a flow changed under a stored cursor
            self._close(ctx, Active(flow, row, cursor), CANCELLED)
            return None
        if cursor.deadline < ctx.now:
            self._expire(ctx, Active(flow, row, cursor))
            return None
        return Active(flow, row, cursor)

    def _expire(self, ctx: Ctx, active: Active) -> None:
        kept = self._close(ctx, active)
        minutes = int(self.timeout(active.flow).total_seconds() // 60)
        ctx.notices.append(ctx.render("conversation_expired.j2", title=active.flow.title,
                                      minutes=minutes, kept=kept))

    def _close(self, ctx: Ctx, active: Active, status: str | None = None) -> bool:
        """End the conversation; a form with something entered is kept (True) for later."""
        kept = status is None and active.flow.form and has_content(self._draft(active))
        active.row.status = status or (SUSPENDED if kept else CANCELLED)
        active.row.updated_at = ctx.now
        self.cursors.clear(ctx.openid)
        return kept

    @staticmethod
    def _draft(active: Active) -> Any:
        return active.flow.read_draft(active.row.data or {})

    # --- a message inside ----------------------------------------------------------------------

    def handle(self, ctx: Ctx, active: Active) -> Reply | None:
        """The reply, or None when the message is for another service (``ctx.understood``)."""
        if active.cursor.pending:
            pending, active.cursor.pending = active.cursor.pending, None
            choice = (as_text(ctx.input) or "").strip().rstrip("。.")
            if choice == FILL_IN:
                return self._answer(ctx, active, TextInput(pending["text"]))
            if choice == GO_THERE:
                ctx.understood = Understood(self.router.by_name[pending["intent"]],
                                            pending["how"], pending.get("argument"))
                self._leave(ctx, active)
                return None
            self._put(ctx, active)  # anything else: the question is dropped, the message read
        understood = ctx.understood
        if (understood is not None and understood.how != "menu"
                and understood.intent.name in CONTROL_NAMES):
            return self._control(ctx, active, Control(understood.intent.name))
        if understood is not None:
            return self._other_service(ctx, active, understood)
        return self._answer(ctx, active, ctx.input)

    def _other_service(self, ctx: Ctx, active: Active, understood: Understood) -> Reply | None:
        step = active.flow.step(active.cursor.state)
        text = as_text(ctx.input)
        could_be_answer = (active.flow.form and not understood.explicit and text is not None
                           and InputKind.TEXT in step.takes
                           and not is_submitted(self._draft(active)))
        if not could_be_answer:
            self._leave(ctx, active)
            return None
        if step.answers is not None and step.answers(text.strip()):
            return self._answer(ctx, active, ctx.input)
        active.cursor.pending = {"text": text.strip(), "intent": understood.intent.name,
                                 "how": understood.how, "argument": understood.argument}
        self._put(ctx, active)
        return ctx.text("conversation_which.j2", text=text.strip(), label=step.label,
                        title=active.flow.title, service=understood.intent.title,
                        fill_in=FILL_IN, go_there=GO_THERE)

    def _leave(self, ctx: Ctx, active: Active) -> None:
        """For another service: a form with something entered is kept, and the follower told."""
        if self._close(ctx, active):
            ctx.notices.append(ctx.render("conversation_kept.j2", title=active.flow.title))

    def _control(self, ctx: Ctx, active: Active, control: Control) -> Reply:
        flow, row = active.flow, active.row
        if control is Control.CANCEL:
            kept = self._close(ctx, active)
            return ctx.text("conversation_cancelled.j2", title=flow.title, kept=kept)
        if control is Control.RESUME and not flow.form:  # back to the form left for this
            self._close(ctx, active, CANCELLED)
            return self.resume(ctx)
        if control is Control.BACK and row.history:
            *earlier, last = row.history
            row.history = earlier
            row.state = active.cursor.state = last
        self._put(ctx, active)
        prompt = self._prompt(ctx, active)
        if control is Control.HELP:
            return ctx.text("conversation_help.j2", title=flow.title, prompt=prompt)
        return Text(prompt)

    def _answer(self, ctx: Ctx, active: Active, given: Input) -> Reply:
        flow, row = active.flow, active.row
        step = flow.step(active.cursor.state)
        words = as_text(given)
        if words is not None and InputKind.TEXT in step.takes:
            given = TextInput(words)  # a recognised voice message reads like text
        if given.kind not in step.takes:
            self._put(ctx, active)
            return ctx.text("conversation_wrong_kind.j2", got=INPUT_NAMES[given.kind],
                            wants="、".join(INPUT_NAMES[kind] for kind in sorted(step.takes)),
                            prompt=self._prompt(ctx, active))
        draft = self._draft(active)
        result = step.accept(given, ctx, draft)
        row.data = flow.write_draft(draft)
        return self._apply(ctx, active, result)

    def _apply(self, ctx: Ctx, active: Active, result: Transition) -> Reply:
        if isinstance(result, Stay):
            self._put(ctx, active)
            return ctx.text("conversation_retry.j2", hint=result.hint)
        if isinstance(result, Goto):
            active.row.history = [*(active.row.history or []), active.cursor.state]
            active.row.state = active.cursor.state = result.state.value
            self._put(ctx, active)
            return Text("\n".join(part for part in (result.message, self._prompt(ctx, active))
                                  if part))
        self._close(ctx, active, DONE)
        return result.reply if result.reply is not None else Text(result.message)

    def _prompt(self, ctx: Ctx, active: Active) -> str:
        return active.flow.step(active.cursor.state).prompt(ctx, self._draft(active))

    def _put(self, ctx: Ctx, active: Active) -> None:
        """The follower is still here: the deadline moves, the row and the cursor agree."""
        deadline = ctx.now + self.timeout(active.flow)
        active.row.deadline = active.cursor.deadline = deadline
        active.row.state = active.cursor.state
        active.row.updated_at = ctx.now
        self.cursors.put(ctx.openid, active.cursor, ctx.now)

    # --- beginning and resuming ----------------------------------------------------------------

    def start(self, ctx: Ctx, flow: Flow, draft: Any = None, at: Any = None,
              message: str = "") -> Reply:
        """Begin ``flow`` (at its first state or ``at``) and ask. A form the follower left
        unfinished is taken up again instead of starting empty."""
        drafts = DraftStore(ctx.db)
        drafts.close_active(ctx.openid, self.forms, ctx.now)
        if draft is None and flow.form:
            kept = drafts.latest_kept(ctx.openid, self.forms, flow.name)
            if kept is not None:
                return self._reopen(ctx, kept)
        state = (at or flow.first).value
        data = flow.write_draft(draft if draft is not None else flow.new_draft())
        row = drafts.create(ctx.openid, flow.name, state, data,
                            ctx.now + self.timeout(flow), ctx.now)
        active = Active(flow, row, Cursor.of(row))
        self._put(ctx, active)
        return Text("\n".join(part for part in (message, self._prompt(ctx, active)) if part))

    def begin_with(self, ctx: Ctx, flow: Flow, draft: Any, result: Transition) -> Reply:
        """A step's decision made before any conversation began ("查询 ACME" in one message):
        a hint only, the flow entered at the state it names, or the final answer."""
        if isinstance(result, Stay):
            return Text(result.hint)
        if isinstance(result, Goto):
            return self.start(ctx, flow, draft, at=result.state, message=result.message)
        return result.reply if result.reply is not None else Text(result.message)

    def resume(self, ctx: Ctx) -> Reply:
        """继续填写: the latest form the follower left unfinished."""
        kept = DraftStore(ctx.db).latest_kept(ctx.openid, self.forms)
        if kept is None or kept.flow not in self.flows:
            return ctx.text("nothing_to_resume.j2")
        return self._reopen(ctx, kept)

    def _reopen(self, ctx: Ctx, row: ConversationDraft) -> Reply:
        flow = self.flows[row.flow]
        row.status = ACTIVE
        active = Active(flow, row, Cursor.of(row))
        self._put(ctx, active)
        return ctx.text("conversation_resumed.j2", title=flow.title,
                        prompt=self._prompt(ctx, active))

    def leave_all(self, ctx: Ctx) -> None:
        """The follower unfollowed: pending lists end, forms are kept."""
        DraftStore(ctx.db).close_active(ctx.openid, self.forms, ctx.now)
        self.cursors.clear(ctx.openid)
