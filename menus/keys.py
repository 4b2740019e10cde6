"""Menu click keys. The published menu and the dispatch table both use these constants."""

PROFILE = "PROFILE"
HELP = "HELP"
