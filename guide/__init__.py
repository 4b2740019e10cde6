"""The service guide: what the seed document says about the services whose own packages have not
landed yet, and where to go for them today. 信保易, 理赔 and 信保贷 have their own packages now.

Each of those services' issues moves its intents from ``guide.manifest`` into its own package.
"""
