"""Parsing untrusted XML (WeChat callbacks) without DTDs or entity expansion.

Why: the callback URL is public. A document type declaration enables entity expansion
("billion laughs") and external entities (XXE, e.g. reading /etc/passwd); WeChat never
sends one, so any DOCTYPE is refused outright by defusedxml (`forbid_dtd`), before
anything can be expanded. Only a document that passed that check is handed to xmltodict
(with its own `disable_entities` guard still on) for the dict shape the channel reads.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import ParseError
from xml.parsers.expat import ExpatError

import defusedxml.ElementTree
import xmltodict
from defusedxml import DefusedXmlException


class XmlRejected(ValueError):
    """The body is not a plain, well-formed XML document with an <xml> root."""


def parse_xml(body: bytes | str) -> dict[str, Any]:
    """The children of the <xml> root as a dict of strings (xmltodict's shape).

    The body must be UTF-8 (WeChat's only encoding); it is decoded first so that an
    encoding declaration inside the document cannot switch the parser to another one.
    """
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise XmlRejected("body is not UTF-8") from error
    try:
        # The gate: refuses DTDs, entity declarations and external references.
        defusedxml.ElementTree.fromstring(body, forbid_dtd=True)
    except DefusedXmlException as error:
        raise XmlRejected("document type declarations are not accepted") from error
    except (ParseError, ValueError) as error:
        raise XmlRejected(f"malformed XML: {error}") from error
    try:
        document = xmltodict.parse(body, disable_entities=True)
    except (ExpatError, ValueError) as error:
        raise XmlRejected(f"malformed XML: {error}") from error
    root = document.get("xml") if isinstance(document, dict) else None
    if not isinstance(root, dict):
        raise XmlRejected("no <xml> root element")
    return root
