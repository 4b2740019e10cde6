"""The rating: a buyer's record → green / yellow / red, the rules that fired, and a hint.

Pure and explainable: the rules and thresholds are data (``rules.toml``); this module only
knows how to evaluate each kind of check. ``evaluate`` takes the date it should judge "recent"
against, so the same record always gives the same verdict for the same day.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from core.countries import display_name
from lights.records import (
    EVENT_KINDS,
    LIGHTS,
    SEVERITIES,
    STATUSES,
    BuyerRecord,
    CountryRating,
)

RULES_PATH = Path(__file__).resolve().parent / "rules.toml"


class RulesError(ValueError):
    """The rules file cannot be used; the message names the rule and the problem."""


@dataclass(frozen=True)
class Rule:
    id: str
    light: str
    check: str
    reason: str
    params: Mapping[str, Any]


@dataclass(frozen=True)
class FiredRule:
    id: str
    light: str
    reason: str


@dataclass(frozen=True)
class Verdict:
    light: str  # green | yellow | red
    hint: str
    fired: tuple[FiredRule, ...]
    country_lowered: bool = False

    @property
    def reasons(self) -> list[str]:
        return [rule.reason for rule in self.fired]


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    order: tuple[str, ...]  # most serious first
    default: str
    hints: Mapping[str, str]
    country_lower_from: int
    country_reason: str


# --- checks: each returns the facts for the reason when the rule fires, else None ----------

Facts = dict[str, Any] | None


def _years_ago(today: date, years: int) -> date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _status_in(record: BuyerRecord, params: Mapping[str, Any], today: date) -> Facts:
    if record.status in params["statuses"]:
        return {"status": STATUSES.get(record.status, record.status)}
    return None


def _broken_promises(record: BuyerRecord, params: Mapping[str, Any], today: date) -> Facts:
    since = _years_ago(today, int(params["within_years"]))
    least = SEVERITIES.index(params["min_severity"])
    count = sum(1 for item in record.broken_promises
                if item.on >= since and SEVERITIES.index(item.severity) >= least)
    if count >= int(params["min_count"]):
        return {"count": count, "within_years": params["within_years"]}
    return None


def _events(record: BuyerRecord, params: Mapping[str, Any], today: date) -> Facts:
    since = _years_ago(today, int(params["within_years"]))
    found = [item for item in record.negative_events
             if item.on >= since and item.kind in params["kinds"]]
    if len(found) >= int(params["min_count"]):
        kinds = "、".join(dict.fromkeys(EVENT_KINDS.get(item.kind, item.kind) for item in found))
        return {"count": len(found), "within_years": params["within_years"], "kinds": kinds}
    return None


def _disclosure_below(record: BuyerRecord, params: Mapping[str, Any], today: date) -> Facts:
    if params.get("unless_well_known") and record.well_known:
        return None
    if record.disclosure < int(params["threshold"]):
        return {"disclosure": record.disclosure}
    return None


def _well_known(record: BuyerRecord, params: Mapping[str, Any], today: date) -> Facts:
    return {} if record.well_known else None


def _clean_record(record: BuyerRecord, params: Mapping[str, Any], today: date) -> Facts:
    since = _years_ago(today, int(params["within_years"]))
    clean = (
        record.status == "active"
        and record.disclosure >= int(params["min_disclosure"])
        and not any(item.on >= since for item in record.broken_promises)
        and not any(item.on >= since for item in record.negative_events)
    )
    return {"within_years": params["within_years"]} if clean else None


Check = Callable[[BuyerRecord, Mapping[str, Any], date], Facts]
CHECKS: dict[str, tuple[Check, tuple[str, ...]]] = {
    # check name: (function, required parameters)
    "status_in": (_status_in, ("statuses",)),
    "broken_promises": (_broken_promises, ("min_severity", "within_years", "min_count")),
    "events": (_events, ("kinds", "within_years", "min_count")),
    "disclosure_below": (_disclosure_below, ("threshold",)),
    "well_known": (_well_known, ()),
    "clean_record": (_clean_record, ("min_disclosure", "within_years")),
}


# --- loading ---------------------------------------------------------------------------------

def parse_rules(data: Mapping[str, Any]) -> RuleSet:
    order = tuple(data["lights"]["order"])
    if sorted(order) != sorted(LIGHTS):
        raise RulesError(f"lights.order must name {LIGHTS}, got {order}")
    rules = []
    for raw in data.get("rule", []):
        rule_id = raw.get("id", "?")
        check = raw.get("check")
        if check not in CHECKS:
            raise RulesError(f"rule {rule_id}: unknown check {check!r}")
        if raw.get("light") not in LIGHTS:
            raise RulesError(f"rule {rule_id}: light must be one of {LIGHTS}")
        missing = [name for name in CHECKS[check][1] if name not in raw]
        if missing:
            raise RulesError(f"rule {rule_id}: missing {', '.join(missing)}")
        if "min_severity" in raw and raw["min_severity"] not in SEVERITIES:
            raise RulesError(f"rule {rule_id}: min_severity must be one of {SEVERITIES}")
        params = {k: v for k, v in raw.items() if k not in ("id", "light", "check", "reason")}
        rules.append(Rule(rule_id, raw["light"], check, raw.get("reason", rule_id), params))
    country = data.get("country_risk", {})
    return RuleSet(
        rules=tuple(rules),
        order=order,
        default=data["lights"].get("default", "yellow"),
        hints=dict(data["hints"]),
        country_lower_from=int(country.get("lower_from", 10)),
        country_reason=country.get("reason", "国家风险评级{rating}级"),
    )


@cache
def load_rules(path: Path = RULES_PATH) -> RuleSet:
    with path.open("rb") as handle:
        return parse_rules(tomllib.load(handle))


# --- evaluating ------------------------------------------------------------------------------

def _most_serious(lights: list[str], order: tuple[str, ...]) -> str:
    return min(lights, key=order.index)


def _lowered(light: str, order: tuple[str, ...]) -> str:
    """One step more serious: green → yellow → red."""
    return order[max(order.index(light) - 1, 0)]


def evaluate(record: BuyerRecord, today: date, country: CountryRating | None = None,
             rules: RuleSet | None = None) -> Verdict:
    rules = rules or load_rules()
    fired: list[FiredRule] = []
    for rule in rules.rules:
        function = CHECKS[rule.check][0]
        facts = function(record, rule.params, today)
        if facts is not None:
            fired.append(FiredRule(rule.id, rule.light, rule.reason.format(**facts)))
    light = _most_serious([rule.light for rule in fired], rules.order) if fired else rules.default
    if light != "green":  # the good news is no reason when something worse was found
        fired = [rule for rule in fired if rule.light != "green"]
    lowered = False
    if country is not None and country.rating >= rules.country_lower_from:
        new_light = _lowered(light, rules.order)
        lowered = new_light != light
        if lowered:
            reason = rules.country_reason.format(country=display_name(country.country),
                                                 rating=country.rating)
            fired.append(FiredRule("country_risk", new_light, reason))
            light = new_light
    return Verdict(light=light, hint=rules.hints[light], fired=tuple(fired),
                   country_lowered=lowered)
