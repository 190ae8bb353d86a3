"""HTTP adapters: parse, authenticate, authorize, and answer errors as RFC 9457 problem+json."""

from shared.http.downloads import file_response
from shared.http.endpoint import Call, endpoint
from shared.http.pagination import Page, PageQuery

__all__ = ["Call", "Page", "PageQuery", "endpoint", "file_response"]
