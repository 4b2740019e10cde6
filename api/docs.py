"""What our decorators tell the OpenAPI document: they mark the view, and one callback of
``ApiBlueprint`` turns the marks into responses, security and header parameters."""

from __future__ import annotations

from copy import deepcopy
from http import HTTPStatus
from typing import Any

MARK = "xinbao"
SECURITY_SCHEME = "bearerAuth"
# Every operation can answer these: malformed JSON (body methods) and the rate limit; one that
# takes a body also a body too large (413) or not JSON (415), see api.body.
BODY_METHODS = ("post", "put", "patch")
BODY_STATUSES = (413, 415)


def mark(func: Any, *, statuses: tuple[int, ...] = (), security: bool = False,
         header: dict[str, Any] | None = None, permission: str | None = None) -> Any:
    """Record doc facts on a view wrapper (``functools.wraps`` shares ``_apidoc`` with the
    wrapped function, so copy it before changing it)."""
    func._apidoc = deepcopy(getattr(func, "_apidoc", {}))
    info = func._apidoc.setdefault(MARK, {"statuses": [], "headers": []})
    info["statuses"] = sorted(set(info["statuses"]) | set(statuses))
    if security:
        info["security"] = True
    if header is not None and header not in info["headers"]:
        info["headers"].append(header)
    if permission is not None:
        info["permission"] = permission
    return func


def prepare_doc(doc: dict[str, Any], doc_info: dict[str, Any], *, method: str,
                **_kwargs: Any) -> dict[str, Any]:
    """A flask-smorest doc callback (runs after its own arguments/response callbacks)."""
    info = doc_info.get(MARK, {})
    statuses = set(info.get("statuses", ())) | {429}
    if method in BODY_METHODS:
        statuses.add(400)
    if "requestBody" in doc:
        statuses.update(BODY_STATUSES)
    responses = doc.setdefault("responses", {})
    for status in sorted(statuses):
        if status not in responses and str(status) not in responses:
            responses[status] = HTTPStatus(status).name
    if info.get("security"):
        doc["security"] = [{SECURITY_SCHEME: []}]
    if info.get("permission"):
        doc["x-permission"] = info["permission"]
    if info.get("headers"):
        doc.setdefault("parameters", []).extend(deepcopy(info["headers"]))
    return doc
