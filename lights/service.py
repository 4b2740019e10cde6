"""What the chat, the H5 page and the API call: look a buyer up, light it, remember it.

``look_up(session, query)`` → ``Lookup`` (one buyer with its light, several candidates, or
nothing); ``light_for(session, buyer_id)`` → ``LightResult``; ``record_lookup`` and
``recent_lookups`` keep each follower's history; ``DailyQuota`` counts lookups per day.
No Flask, no WeChat.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.countries import display_name
from core.redis_store import key
from core.workdays import BEIJING
from lights.models import Buyer, BuyerLookup, CountryRisk
from lights.rating import Verdict, evaluate
from lights.records import LIGHT_NAMES, STATUSES, BuyerRecord, CountryRating
from lights.search import SearchResult, search

MY_LOOKUPS = 20  # 我的查询 shows the latest this many
MIN_QUERY_CHARS = 2  # shorter is no company name
MAX_QUERY_CHARS = 100  # longer is no company name (the chat says so; stored cut)


@dataclass(frozen=True)
class BuyerView:
    id: int
    legal_name: str
    original_name: str | None
    aliases: tuple[str, ...]
    country: str
    country_zh: str
    registration_number: str | None
    address: str | None
    industry: str | None
    founded: int | None
    status: str
    status_zh: str
    well_known: bool
    as_of: date | None
    sample: bool
    source: str

    @classmethod
    def of(cls, buyer: Buyer) -> BuyerView:
        return cls(
            id=buyer.id, legal_name=buyer.legal_name, original_name=buyer.original_name,
            aliases=tuple(buyer.aliases or ()), country=buyer.country,
            country_zh=display_name(buyer.country),
            registration_number=buyer.registration_number, address=buyer.address,
            industry=buyer.industry, founded=buyer.founded, status=buyer.status,
            status_zh=STATUSES.get(buyer.status, buyer.status), well_known=buyer.well_known,
            as_of=buyer.as_of, sample=buyer.sample, source=buyer.source,
        )


@dataclass(frozen=True)
class LightResult:
    buyer: BuyerView
    verdict: Verdict
    country_rating: CountryRating | None

    @property
    def light_name(self) -> str:
        return LIGHT_NAMES[self.verdict.light]

    @property
    def data_version(self) -> str:
        """Changes whenever anything drawn on the card changes (name, light, hint, date)."""
        buyer = self.buyer
        drawn = "\x1f".join(str(part) for part in (
            buyer.legal_name, buyer.original_name, buyer.country, self.verdict.light,
            self.verdict.hint, buyer.as_of, buyer.sample))
        return hashlib.sha1(drawn.encode()).hexdigest()[:12]

    @property
    def cache_key(self) -> str:
        """(buyer, light, data version): the card and its uploaded media are kept per key."""
        return f"{self.buyer.id}:{self.verdict.light}:{self.buyer.as_of}:{self.data_version}"


@dataclass(frozen=True)
class Lookup:
    query: str
    country: str | None
    found: LightResult | None = None
    candidates: tuple[BuyerView, ...] = field(default_factory=tuple)
    # How the found buyer matched (lights.search.Candidate.how): "similar" is a name that is
    # not what was typed (a typo corrected, the first words of a longer name), said as such.
    match: str = ""

    @property
    def corrected(self) -> bool:
        return self.found is not None and self.match == "similar"


def _country_rating(session: Session, country: str) -> CountryRating | None:
    row = session.get(CountryRisk, country)
    return CountryRating(row.country, row.rating, row.sample) if row else None


def light_of(session: Session, buyer: Buyer, today: date) -> LightResult:
    rating = _country_rating(session, buyer.country)
    verdict = evaluate(BuyerRecord.of(buyer), today, rating)
    return LightResult(BuyerView.of(buyer), verdict, rating)


def query_problem(text: str) -> str | None:
    """Why the text cannot be a buyer name ("name_too_short" / "name_too_long"), else None."""
    if len(text.strip()) < MIN_QUERY_CHARS:
        return "name_too_short"
    if len(text) > MAX_QUERY_CHARS:
        return "name_too_long"
    return None


def light_for(session: Session, buyer_id: int, today: date) -> LightResult | None:
    buyer = session.get(Buyer, buyer_id)
    return light_of(session, buyer, today) if buyer else None


def look_up(session: Session, query: str, today: date, country: str | None = None,
            limit: int = 5) -> Lookup:
    """One buyer with its light, or the candidates to choose from, or nothing."""
    query = query.strip()[:MAX_QUERY_CHARS]
    result: SearchResult = search(session, query, country=country, limit=limit)
    best = result.best
    if best is not None:
        found = light_for(session, best.buyer_id, today)
        return Lookup(query, result.country, found=found, match=best.how)
    ids = [candidate.buyer_id for candidate in result.candidates]
    buyers = {buyer.id: buyer for buyer in session.scalars(select(Buyer).where(Buyer.id.in_(ids)))}
    views = tuple(BuyerView.of(buyers[i]) for i in ids if i in buyers)
    return Lookup(query, result.country, candidates=views)


def record_lookup(session: Session, openid: str, query: str, result: LightResult | None,
                  now: datetime, channel: str = "wechat") -> BuyerLookup:
    """Stored for 我的查询; the caller commits."""
    row = BuyerLookup(
        openid=openid, query=query[:200], channel=channel, created_at=now,
        buyer_id=result.buyer.id if result else None,
        buyer_name=result.buyer.legal_name[:300] if result else None,
        light=result.verdict.light if result else "none",
    )
    session.add(row)
    session.flush()
    return row


def shown_today(session: Session, openid: str, day: date) -> set[str]:
    """What the quota counted for the follower on ``day`` (Beijing time), read from 我的查询:
    "buyer:<id>" for each light shown, "none:<query>" for each lookup that found nothing."""
    start = datetime.combine(day, time.min, BEIJING)
    rows = session.execute(
        select(BuyerLookup.buyer_id, BuyerLookup.query)
        .where(BuyerLookup.openid == openid, BuyerLookup.created_at >= start,
               BuyerLookup.created_at < start + timedelta(days=1)))
    return {f"buyer:{buyer_id}" if buyer_id is not None else f"none:{query.casefold()}"
            for buyer_id, query in rows}


def recent_lookups(session: Session, openid: str, limit: int = MY_LOOKUPS) -> list[BuyerLookup]:
    statement = (select(BuyerLookup).where(BuyerLookup.openid == openid)
                 .order_by(BuyerLookup.created_at.desc(), BuyerLookup.id.desc()).limit(limit))
    return list(session.scalars(statement))


DEFAULT_DAILY_QUOTA = 30
QUOTA_KEEP_SECONDS = 2 * 24 * 3600

# Count ``what`` once a day: already counted → yes; the day's limit reached → no; else count it.
_TAKE = """
if redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('SCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('SADD', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
"""


class DailyQuota:
    """Lights shown per follower per day (Beijing time), counted in Redis across processes.

    What is counted is named (a buyer, a query that found nothing), so that seeing the same
    buyer again the same day costs nothing."""

    def __init__(self, client: redis.Redis, limit: int) -> None:
        self.redis = client
        self.limit = limit
        self._take = client.register_script(_TAKE)

    @classmethod
    def configured(cls, client: redis.Redis, lights_settings: dict[str, Any]) -> DailyQuota:
        """The quota of config.toml's ``[lights] daily_quota`` (every channel shares it)."""
        return cls(client, int(lights_settings.get("daily_quota", DEFAULT_DAILY_QUOTA)))

    def _key(self, openid: str, day: date) -> str:
        return key("lights", "quota", openid, day.isoformat())

    def used(self, openid: str, day: date) -> int:
        return int(self.redis.scard(self._key(openid, day)))

    def take(self, openid: str, day: date, what: str) -> bool:
        """Count ``what`` for today; False (and nothing counted) when the quota is spent."""
        if self.limit <= 0:
            return True
        return bool(self._take(keys=[self._key(openid, day)],
                               args=[what, self.limit, QUOTA_KEEP_SECONDS]))
