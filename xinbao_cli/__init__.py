"""The ``xinbao`` console command: one click group, one module per area of work.

Each module in ``command_modules()`` exposes ``register(group)``: the core's, then each
service's (its manifest's ``cli``).
"""

from __future__ import annotations

from importlib import import_module

import click

from core.features import features
from core.logs import configure_cli_logging

# The commands of the core; each service adds its own (its manifest's ``cli``).
CORE_COMMAND_MODULES: tuple[str, ...] = ("xinbao_cli.server", "xinbao_cli.chat",
                                         "xinbao_cli.intents", "xinbao_cli.workdays")


def command_modules() -> list[str]:
    return [*CORE_COMMAND_MODULES, *(name for feature in features() for name in feature.cli)]


@click.group(help="信保小微助手 — operator commands.")
@click.option("-v", "--verbose", count=True,
              help="Say what the command does (-v), or everything (-vv). Warnings are always "
                   "shown, on stderr.")
def main(verbose: int) -> None:
    # A person reads a command's output: plain lines on stderr, warnings only by default.
    # The service processes (gunicorn, xinbao worker) keep JSON lines (core.logs).
    configure_cli_logging(verbose)


for _name in command_modules():
    import_module(_name).register(main)
