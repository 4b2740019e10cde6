"""小微学院: lessons, cases, the country library, the toolbox, expert questions, risk alerts."""

from core.features import Feature

FEATURE = Feature(
    name="academy",
    title="小微学院",
    settings="academy",
    cli=("xinbao_cli.academy",),
    # The content is read and checked once per process: broken content stops the start.
    start=("academy.content:check_at_start",),
)
