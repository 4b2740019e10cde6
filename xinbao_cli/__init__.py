"""The ``xinbao`` console command: one click group, one module per area of work.

Each module in ``COMMAND_MODULES`` exposes ``register(group)``.
"""

from __future__ import annotations

from importlib import import_module

import click

COMMAND_MODULES: tuple[str, ...] = (
    "xinbao_cli.server",
    "xinbao_cli.chat",
    "xinbao_cli.staff",
    "xinbao_cli.menus",
    "xinbao_cli.qr",
    "xinbao_cli.buyers",
)


@click.group(help="信保小微助手 — operator commands.")
def main() -> None:
    pass


for _name in COMMAND_MODULES:
    import_module(_name).register(main)
