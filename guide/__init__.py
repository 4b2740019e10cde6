"""The service guide: what the seed document says about the services whose own packages have not
landed yet (claims), and where to go for them today.

Each of those services' issues moves its intents from ``guide.manifest`` into its own package.
"""
