"""Staff sign-in throttling: password guessing is slowed down without letting a stranger lock
the owner out of the account.

Used by both password sign-ins, the staff pages (``POST /staff/login``) and the API's
``POST /api/v1/staff/tokens``; the limits are ``[identity] sign_in_*`` in config.toml
(``identity.settings.SignInLimits``, defaults in brackets).

The scheme
==========

A *failure* is a wrong password (or an unknown username: both are treated alike, so the
throttle tells nothing about which usernames exist). A disabled account with the right
password is not a failure. Counters and locks live in Redis, every key with an expiry.

1. **Per account and address** (pair): ``failures_per_pair`` [5] failures for one username from
   one client address within ``window_seconds`` [900] lock that pair for ``lock_seconds``
   [900]. Every further lock of the same pair within a day doubles, up to
   ``max_lock_seconds`` [3600]. Only that address is stopped for that username: the owner
   elsewhere signs in as usual.
2. **Per address**: ``failures_per_address`` [20] failures from one address, whatever the
   usernames, lock the address (same lengths, doubling too): one address cannot try a
   password on many accounts ("password spraying").
3. **Known devices**: a successful sign-in sets a signed, HttpOnly cookie naming the browser
   (a random device id) and the usernames that signed in from it, for ``device_days`` [90].
   An attempt for one of those usernames from that browser ignores the pair and address
   locks and the slow mode below, so the owner gets in even from an address a stranger has
   locked (a shared office NAT). It is counted on its own: ``failures_per_device`` [10]
   failures make the device untrusted for a lock length, after which it is an ordinary client.
4. **Per account, all addresses** (the ceiling): ``failures_per_account`` [50] failures for
   one username within the window, from clients that are not known devices, can only come
   from many addresses (each stops at 5): a distributed attack. The account then enters
   *slow mode* for ``max_lock_seconds``, prolonged by every further failure: a single wrong
   password locks that pair for ``max_lock_seconds`` at once. Each attacking address gets one
   guess an hour instead of five per quarter; the owner is never locked out: a known device
   is not slowed down, and a correct password from a new address still gets in at the first
   try.

IPv6 clients are counted per /64 (one subscriber's network), so rotating addresses inside it
gains nothing. Successful sign-in clears that pair's (and that device's) counters, never the
address or account counters (one's own good password must not reset a spray).

Every decision is audited (``audit_decisions``): ``staff.sign_in_throttled`` when a lock or
slow mode starts, ``staff.sign_in_refused`` for the first attempt refused under each lock
(later ones are not written, so an attacker cannot flood the audit log). The entries carry
the username, the address truncated (IPv4 /24, IPv6 /48) and a keyed hash of the full
address (to tell addresses apart without storing them), the scope, the count and the lock
length; never a password. Redis keys use keyed hashes of the username and address too.

What is left: a botnet with many thousands of addresses still gets one guess per address an
hour per account; the answer to that is a second factor, which this does not provide. Argon2
and the 10-character minimum keep each guess expensive and unlikely.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.redis_store import key
from core.tokens import Signer, TokenError
from core.uow import Actor
from identity import audit
from identity.models import StaffAccount
from identity.settings import SignInLimits

THROTTLED = "staff.sign_in_throttled"
REFUSED = "staff.sign_in_refused"
ANONYMOUS = Actor(label="anonymous")
STRIKE_MEMORY_SECONDS = 24 * 3600  # how long earlier locks make the next one longer
DEVICE_SALT = "xinbao.staff-device"
DEVICE_USERNAMES = 8  # usernames one browser remembers


def normal_username(username: str) -> str:
    return username.strip().lower()[:64]


def counting_network(address: str) -> str:
    """What one client is: an IPv4 address, or an IPv6 /64."""
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address[:64] or "unknown"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def shown_network(address: str) -> str:
    """The address as the audit log shows it: IPv4 /24, IPv6 /48."""
    try:
        parsed = ipaddress.ip_address(counting_network(address).split("/")[0])
    except ValueError:
        return "unknown"
    prefix = 24 if isinstance(parsed, ipaddress.IPv4Address) else 48
    return str(ipaddress.ip_network((parsed, prefix), strict=False))


@dataclass(frozen=True)
class Attempt:
    username: str
    address: str
    device: str | None = None  # a known-device id whose cookie names this username


@dataclass(frozen=True)
class Decision:
    """One throttle decision, as the audit log records it."""

    action: str  # THROTTLED or REFUSED
    scope: str  # pair, address, device, account
    username: str
    network: str
    address_hash: str
    seconds: int
    failures: int | None = None

    def entry(self) -> dict[str, Any]:
        entry = {"scope": self.scope, "username": self.username, "address": self.network,
                 "address_hash": self.address_hash, "seconds": self.seconds}
        if self.failures is not None:
            entry["failures"] = self.failures
        return entry

    def note(self) -> str:
        if self.action == REFUSED:
            return f"attempt refused: {self.scope} locked for {self.seconds} s more"
        if self.scope == "account":
            return f"slow mode after {self.failures} failures from many addresses"
        return f"{self.scope} locked for {self.seconds} s after {self.failures} failures"


@dataclass(frozen=True)
class Refusal:
    scope: str  # the lock that refuses: pair or address
    retry_after: int  # seconds
    slow_mode: bool = False  # the username is under a distributed attack


@dataclass
class Outcome:
    refusal: Refusal | None = None
    decisions: list[Decision] = field(default_factory=list)


class SignInThrottle:
    """The counters of one Redis server; ``secret`` keys the hashes of usernames and addresses."""

    def __init__(self, client: redis.Redis, limits: SignInLimits, secret: str) -> None:
        self.redis = client
        self.limits = limits
        self._secret = secret.encode()

    # --- the three calls ------------------------------------------------------------------

    def check(self, attempt: Attempt) -> Outcome:
        """Before the password is checked: may this attempt go ahead?"""
        if self._trusted(attempt):
            return Outcome()
        keys = self._keys(attempt)
        pipe = self.redis.pipeline()
        for scope in ("address", "pair"):
            pipe.ttl(keys[scope].lock)
        pipe.exists(keys["account"].lock)
        *ttls, slow = pipe.execute()
        active = {scope: int(ttl) for scope, ttl in zip(("address", "pair"), ttls, strict=True)
                  if int(ttl) > 0}
        if not active:
            return Outcome()
        scope = max(active, key=lambda name: active[name])
        retry_after = active[scope]
        outcome = Outcome(Refusal(scope, retry_after, slow_mode=bool(slow)))
        if self.redis.set(keys[scope].audited, 1, nx=True, ex=retry_after):
            outcome.decisions.append(self._decision(REFUSED, scope, attempt, retry_after))
        return outcome

    def failed(self, attempt: Attempt) -> Outcome:
        """After a wrong password: count it, and lock what went over its limit."""
        limits = self.limits
        keys = self._keys(attempt)
        outcome = Outcome()
        if self._trusted(attempt):
            failures = self._count(keys["device"].failures)
            if failures >= limits.failures_per_device:
                self._lock("device", keys["device"], attempt, failures, outcome)
            return outcome  # the device is no longer trusted; nothing is refused yet
        pipe = self.redis.pipeline()
        for scope in ("pair", "address", "account"):
            pipe.incr(keys[scope].failures)
            pipe.expire(keys[scope].failures, limits.window_seconds)
        pipe.exists(keys["account"].lock)
        pair, _, address, _, account, _, slow = pipe.execute()
        if slow:
            self.redis.expire(keys["account"].lock, limits.max_lock_seconds)
        elif account >= limits.failures_per_account:
            slow = True
            if self.redis.set(keys["account"].lock, account, nx=True,
                              ex=limits.max_lock_seconds):
                outcome.decisions.append(self._decision(
                    THROTTLED, "account", attempt, limits.max_lock_seconds, account))
        if pair >= (1 if slow else limits.failures_per_pair):
            self._lock("pair", keys["pair"], attempt, pair, outcome,
                       at_least=limits.max_lock_seconds if slow else 0)
        if address >= limits.failures_per_address:
            self._lock("address", keys["address"], attempt, address, outcome)
        if slow and outcome.refusal is not None:
            outcome.refusal = Refusal(outcome.refusal.scope, outcome.refusal.retry_after, True)
        return outcome

    def succeeded(self, attempt: Attempt) -> None:
        keys = self._keys(attempt)
        self.redis.delete(keys["pair"].failures, keys["device"].failures)

    # --- the parts ------------------------------------------------------------------------

    def _trusted(self, attempt: Attempt) -> bool:
        return attempt.device is not None and not self.redis.exists(
            self._keys(attempt)["device"].lock)

    def _count(self, counter: str) -> int:
        pipe = self.redis.pipeline()
        pipe.incr(counter)
        pipe.expire(counter, self.limits.window_seconds)
        return int(pipe.execute()[0])

    def _lock(self, scope: str, keys: _ScopeKeys, attempt: Attempt, failures: int,
              outcome: Outcome, *, at_least: int = 0) -> None:
        limits = self.limits
        strikes = int(self.redis.get(keys.strikes) or 0)
        seconds = min(limits.lock_seconds * 2 ** min(strikes, 16), limits.max_lock_seconds)
        seconds = max(seconds, at_least)
        placed = self.redis.set(keys.lock, failures, nx=True, ex=seconds)
        pipe = self.redis.pipeline()
        pipe.delete(keys.failures, keys.audited)
        if placed:
            pipe.incr(keys.strikes)
            pipe.expire(keys.strikes, STRIKE_MEMORY_SECONDS)
        pipe.execute()
        if not placed:  # a concurrent failure placed it first
            return
        outcome.decisions.append(self._decision(THROTTLED, scope, attempt, seconds, failures))
        if scope != "device" and (outcome.refusal is None
                                  or seconds > outcome.refusal.retry_after):
            outcome.refusal = Refusal(scope, seconds)

    def _decision(self, action: str, scope: str, attempt: Attempt, seconds: int,
                  failures: int | None = None) -> Decision:
        return Decision(action=action, scope=scope, username=normal_username(attempt.username),
                        network=shown_network(attempt.address),
                        address_hash=self._hash("address", attempt.address)[:12],
                        seconds=seconds, failures=failures)

    def _hash(self, kind: str, value: str) -> str:
        return hmac.new(self._secret, f"{kind}\0{value}".encode(), hashlib.sha256).hexdigest()[:32]

    def _keys(self, attempt: Attempt) -> dict[str, _ScopeKeys]:
        account = self._hash("account", normal_username(attempt.username))
        address = self._hash("address", counting_network(attempt.address))
        device = self._hash("device", f"{account}\0{attempt.device or ''}")
        return {"pair": _scope_keys("pair", account, address),
                "address": _scope_keys("address", address),
                "account": _scope_keys("account", account),
                "device": _scope_keys("device", device)}


class _ScopeKeys(NamedTuple):
    """The Redis keys of one scope and subject; each is written with an expiry."""

    failures: str
    lock: str
    strikes: str
    audited: str  # set when the first refusal under the current lock was audited


def _scope_keys(scope: str, *ids: str) -> _ScopeKeys:
    return _ScopeKeys(*(key("signin", kind, scope, *ids) for kind in _ScopeKeys._fields))


def audit_decisions(session: Session, decisions: Iterable[Decision], *, now: datetime) -> None:
    """Write the decisions to the audit log (the caller commits)."""
    for decision in decisions:
        account_id = session.scalar(select(StaffAccount.id).where(
            StaffAccount.username == decision.username))
        audit.record(session, ANONYMOUS, decision.action, "staff", account_id,
                     after=decision.entry(), now=now, note=decision.note())


# --- known devices -------------------------------------------------------------------------


def known_device(secret_key: str, cookie: str | None, username: str, now: datetime
                 ) -> str | None:
    """The device id of a well-signed, unexpired cookie that names ``username``, or None."""
    payload = _read_device(secret_key, cookie, now)
    if payload and normal_username(username) in payload["u"]:
        return str(payload["d"])
    return None


def remember_device(secret_key: str, cookie: str | None, username: str, now: datetime,
                    days: int) -> str:
    """The cookie value after ``username`` signed in from this browser (a new id if none)."""
    payload = _read_device(secret_key, cookie, now) or {"d": secrets.token_urlsafe(16), "u": []}
    name = normal_username(username)
    names = [other for other in payload["u"] if other != name] + [name]
    return Signer(secret_key, DEVICE_SALT).sign(
        {"d": payload["d"], "u": names[-DEVICE_USERNAMES:]}, now + timedelta(days=days))


def _read_device(secret_key: str, cookie: str | None, now: datetime) -> dict[str, Any] | None:
    if not cookie or len(cookie) > 2048:
        return None
    try:
        payload = Signer(secret_key, DEVICE_SALT).read(cookie, now)
    except TokenError:
        return None
    names = payload.get("u")
    if not isinstance(payload.get("d"), str) or not isinstance(names, list):
        return None
    return {"d": payload["d"], "u": [str(name) for name in names]}
