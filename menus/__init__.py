"""The account's menus: key constants (``menus.keys``) shared by the published menu and routes."""
