"""The service guide: what the seed document says about the services whose own packages have not
landed yet (loans; 信保易 and 理赔 have their own), and where to go for them today.

Each of those services' issues moves its intents from ``guide.manifest`` into its own package.
"""
