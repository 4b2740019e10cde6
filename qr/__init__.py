"""QR codes with a scene: created through WeChat's API, tracked here, printed as posters."""
