"""Followers: subscription history and the profile an exporter gives us. No Flask, no WeChat."""
