"""xinbao branches find WORDS / near LAT LON — the branch lookup as the bot does it, for an
operator checking a place or a location (no database, no app)."""

from __future__ import annotations

import click

import branches
from core.countries import display_name


def register(group: click.Group) -> None:
    group.add_command(branches_group)


@click.group("branches", help="中国信保's 25 branches: which one covers a place or a location.")
def branches_group() -> None:
    pass


@branches_group.command(help="The branch for the place(s) named in WORDS, e.g. 网点 慈溪.")
@click.argument("words", nargs=-1, required=True)
def find(words: tuple[str, ...]) -> None:
    text = " ".join(words)
    found = branches.look_up(text)
    if found is None:
        raise click.ClickException(f"no place named in {text!r}")
    if found.guessed:
        click.echo(f"read {found.typed!r} as a typo")
    for option in found.options:
        _echo(option)


@branches_group.command(help="The branch for a location (degrees, north and east positive).")
@click.argument("latitude", type=click.FloatRange(-90, 90))
@click.argument("longitude", type=click.FloatRange(-180, 180))
@click.option("--label", default="", help="The address WeChat sends with the location.")
def near(latitude: float, longitude: float, label: str) -> None:
    located = branches.locate(latitude, longitude, label)
    if located is None:
        raise click.ClickException("no position (0, 0 is what an unreadable location gives)")
    if located.found is None:
        click.echo(f"abroad: {display_name(located.country)} ({located.country}), "
                   f"{located.km:.0f} km from the nearest town there")
        return
    how = "named by the label" if located.by_label else f"{located.km:.0f} km from its seat"
    click.echo(f"near {located.found.place.label} ({how})")
    _echo(located.found)


def _echo(option: branches.PlaceBranch) -> None:
    place = option.place
    if option.branch is not None:
        click.echo(f"{place.label} ({place.adcode[:6]}) → {option.branch.name}"
                   f" ({option.branch.coverage})")
        return
    click.echo(f"{place.label} ({place.adcode[:6]}) → no branch listed in the source document")
    for near in option.nearest:
        click.echo(f"  nearest: {near.branch.name}, {near.km:.0f} km to {near.area.label}")
