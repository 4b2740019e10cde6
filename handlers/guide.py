"""Services answered from the guide until their own packages land (``guide/``): what the seed
document says about them and where to go (SOL 信保通, the Single Window, a branch office).
None is left: 信保易, 理赔 and 信保贷 have their own chat modules.

Words are in templates/replies/services/.
"""

from __future__ import annotations

from handlers.context import Handler

HANDLERS: dict[str, Handler] = {}
