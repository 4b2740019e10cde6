"""The six parts of the academy, as the service guide names them (their titles and summaries
are content: ``academy_content/sections.toml``)."""

from __future__ import annotations

from enum import StrEnum


class Section(StrEnum):
    BASICS = "basics"  # 必修课: foreign-trade basics, each lesson with a quiz
    MASTER = "master"  # 大师课: questions to the experts
    CASES = "cases"  # 信保说案: claim cases
    COUNTRIES = "countries"  # 国别图书馆: the country library
    TOOLBOX = "toolbox"  # 小微工具箱: calculators and quick references
    ALERTS = "alerts"  # 风险预警: country risk alerts by subscription


# Sections whose pages are studied: progress and quiz scores are kept per follower.
LESSON_SECTIONS = frozenset({Section.BASICS, Section.MASTER, Section.CASES})
