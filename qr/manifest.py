"""QR codes with scenes: where followers come from."""

from core.features import Feature

FEATURE = Feature(
    name="qr",
    title="渠道二维码",
    models=("qr.models",),
    api=("api.qr",),
    cli=("xinbao_cli.qr",),
    migrations="qr",
)
