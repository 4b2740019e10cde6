"""The SMS port the one-time binding codes go through, and its two providers.

``SmsProvider`` is the interface; ``provider_for(settings)`` builds the one config.toml's
``[policies.sms] provider`` names: ``development`` logs the code and records it where the
sandbox shows what the account sent (``core.devrecords``) — and refuses to run anywhere but
in development; ``http`` posts to the operator's SMS gateway. ``send_sms`` is the job the
binding use case queues after its commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Protocol

import requests

from core import devrecords
from core.config import Settings
from core.logs import hash_openid

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsMessage:
    mobile: str
    text: str
    requested_by: str  # the openid that asked (the sandbox shows the SMS in its chat)


class SmsProvider(Protocol):
    def send(self, message: SmsMessage) -> None: ...


class SmsFailed(RuntimeError):
    pass


def mask_mobile(mobile: str) -> str:
    digits = "".join(ch for ch in mobile if ch.isdigit())
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 7 else "****"


class DevelopmentSms:
    """Development only: the SMS is logged and shown in the sandbox, never sent."""

    def __init__(self, settings: Settings) -> None:
        if not settings.is_development:
            raise SmsFailed("the development SMS provider logs codes: it runs only in "
                            "development (set SMS_PROVIDER=http)")

    def send(self, message: SmsMessage) -> None:
        log.warning("development SMS to %s: %s", mask_mobile(message.mobile), message.text)
        devrecords.record("sms", {"touser": message.requested_by,
                                  "mobile": mask_mobile(message.mobile), "text": message.text})


class HttpSms:
    """An SMS gateway of the operator's: POST {"mobile", "text"} with a bearer token."""

    def __init__(self, section: dict[str, Any]) -> None:
        if not section.get("url") or not section.get("token"):
            raise SmsFailed("the http SMS provider needs SMS_GATEWAY_URL and SMS_GATEWAY_TOKEN")
        self.url = str(section["url"])
        self.token = str(section["token"])
        self.timeout = float(section.get("timeout_seconds", 5.0))

    def send(self, message: SmsMessage) -> None:
        response = requests.post(self.url, json={"mobile": message.mobile,
                                                 "text": message.text},
                                 headers={"Authorization": f"Bearer {self.token}"},
                                 timeout=self.timeout)
        if response.status_code >= 300:
            raise SmsFailed(f"the SMS gateway answered {response.status_code}")


def provider_for(settings: Settings) -> SmsProvider:
    section = settings.section("policies").get("sms", {})
    name = section.get("provider", "")
    if name == "development":
        return DevelopmentSms(settings)
    if name == "http":
        return HttpSms(section)
    raise SmsFailed(f"no SMS provider configured ([policies.sms] provider = {name!r})")


def send_sms(mobile: str, text: str, requested_by: str) -> None:
    """Job: send one SMS (queued after the commit that made the code)."""
    from core.services import current

    provider_for(current().settings).send(SmsMessage(mobile, text, requested_by))
    log.info("binding code sent", extra={"openid": hash_openid(requested_by)})
