"""A parsed message document into the webhook's two views of it, without parsing it again.

``element_fields``: the fields dict, shaped as ``xmltodict.parse(xml)[root]`` shapes it (text
stripped, an empty element None, a nested element a dict, repeated elements a list, an
attribute ``@name`` and text beside children ``#text``).

``message_from_fields``: the wechatpy message object, chosen as wechatpy 1.8.18's
``parse_message`` chooses it (messages.MESSAGE_TYPES, events.EVENT_TYPES, a subscribe with a
``qrscene_`` key is a SubscribeScanEvent, anything unknown an UnknownMessage), built from the
fields instead of from the XML text.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

from wechatpy.events import EVENT_TYPES
from wechatpy.messages import MESSAGE_TYPES, BaseMessage, UnknownMessage


def element_fields(root: Element) -> Any:
    """The element as xmltodict gives it: a dict, a string, or None (empty)."""
    values: dict[Element, Any] = {}
    for element in reversed(list(root.iter())):  # every element after its children
        item: dict[str, Any] | None = {f"@{name}": value
                                       for name, value in element.attrib.items()} or None
        texts = [element.text or ""]
        for child in element:
            item = _push(item, child.tag, values.pop(child))
            texts.append(child.tail or "")
        text = "".join(texts).strip() or None
        if item is None:
            values[element] = text
        else:
            if text:
                _push(item, "#text", text)
            values[element] = item
    return values[root]


def _push(item: dict[str, Any] | None, key: str, value: Any) -> dict[str, Any]:
    """Add ``key``; a key seen before becomes a list of its values, in document order."""
    item = {} if item is None else item
    if key not in item:
        item[key] = value
    elif isinstance(item[key], list):
        item[key].append(value)
    else:
        item[key] = [item[key], value]
    return item


def message_from_fields(fields: dict[str, Any]) -> BaseMessage:
    """wechatpy's message for these fields; ``fields`` itself is left as WeChat sent it.

    Raises KeyError, AttributeError or TypeError where ``parse_message`` would (no MsgType;
    a MsgType, Event or EventKey that is not text).
    """
    message = dict(fields)  # a scan-to-follow's Event and EventKey are rewritten below
    message_type = message["MsgType"].lower()
    if not (message_type == "event" or message_type.startswith("device_")):
        return MESSAGE_TYPES.get(message_type, UnknownMessage)(message)
    event_type = message["Event"].lower() if "Event" in message else None
    if message_type.startswith("device_"):
        event_type = message_type if event_type is None else f"device_{event_type}"
    if event_type == "subscribe" and message.get("EventKey"):
        event_key = message["EventKey"]
        if event_key.startswith(("scanbarcode|", "scanimage|")):
            event_type = message["Event"] = "subscribe_scan_product"
        elif event_key.startswith("qrscene_"):
            event_type = message["Event"] = "subscribe_scan"
            message["EventKey"] = event_key[len("qrscene_"):]
    return EVENT_TYPES.get(event_type, UnknownMessage)(message)
