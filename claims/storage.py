"""Where a case's documents are kept: a local folder by default (``[claims] storage_dir``;
a relative path is taken from the repository), one folder per case."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
EXTENSIONS = {"image/png": ".png", "image/jpeg": ".jpg", "image/gif": ".gif",
              "application/pdf": ".pdf", "image/webp": ".webp"}
MAX_BYTES = 20 * 1024 * 1024  # WeChat's own limit on a file sent in the chat is 20 MB


def root(section: Mapping[str, Any]) -> Path:
    folder = Path(str(section.get("storage_dir") or "var/claims"))
    return folder if folder.is_absolute() else REPO / folder


def save(section: Mapping[str, Any], claim_id: int, document_id: int, content: bytes,
         content_type: str) -> Path:
    """Written under a temporary name and renamed, so a half-written file is never taken for
    a document; a second run (a retried job) writes the same path."""
    if len(content) > MAX_BYTES:
        raise ValueError(f"document of {len(content)} bytes is over {MAX_BYTES}")
    folder = root(section) / f"claim-{claim_id}"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"document-{document_id}{EXTENSIONS.get(content_type, '.bin')}"
    partial = target.with_suffix(target.suffix + ".part")
    partial.write_bytes(content)
    os.replace(partial, target)
    return target
