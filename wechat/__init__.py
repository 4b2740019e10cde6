"""The WeChat adapter: webhook, crypto, dedupe, outbound client and the API emulator."""
