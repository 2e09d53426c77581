"""Parsing untrusted XML (WeChat callbacks) without DTDs or entity expansion.

Why: the callback URL is public. A document type declaration enables entity expansion
("billion laughs") and external entities (XXE, e.g. reading /etc/passwd); WeChat never
sends one, so any DOCTYPE is refused outright, before expat can expand anything, and
xmltodict's own `disable_entities` guard stays on as a second line.
"""

from __future__ import annotations

from typing import Any
from xml.parsers import expat

import xmltodict


class XmlRejected(ValueError):
    """The body is not a plain, well-formed XML document with an <xml> root."""


def _refuse_dtd(*_args: Any) -> Any:
    raise XmlRejected("document type declarations are not accepted")


class _NoDtdExpat:
    """Stands in for the `expat` module given to xmltodict: same parser, DTDs refused."""

    ExpatError = expat.ExpatError

    @staticmethod
    def ParserCreate(  # mirrors expat's API
        encoding: str | None = None, namespace_separator: str | None = None
    ) -> Any:
        parser = expat.ParserCreate(encoding, namespace_separator)
        parser.StartDoctypeDeclHandler = _refuse_dtd
        parser.EntityDeclHandler = _refuse_dtd
        parser.ExternalEntityRefHandler = _refuse_dtd
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        return parser


def parse_xml(body: bytes | str) -> dict[str, Any]:
    """The children of the <xml> root as a dict of strings (xmltodict's shape).

    The body must be UTF-8 (WeChat's only encoding); it is decoded first so that an
    encoding declaration inside the document cannot switch expat to another one.
    """
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise XmlRejected("body is not UTF-8") from error
    try:
        document = xmltodict.parse(body, expat=_NoDtdExpat, disable_entities=True)
    except XmlRejected:
        raise
    except (expat.ExpatError, ValueError) as error:
        raise XmlRejected(f"malformed XML: {error}") from error
    root = document.get("xml") if isinstance(document, dict) else None
    if not isinstance(root, dict):
        raise XmlRejected("no <xml> root element")
    return root
