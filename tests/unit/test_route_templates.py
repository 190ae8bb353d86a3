"""Route templates of the local host match exactly the paths the Functions host would route."""

from __future__ import annotations

import pytest

from aura_local.host import RouteTemplate

pytestmark = pytest.mark.unit

NODE = "engagements/{engagement_id:guid}/binder/nodes/{node_id:guid}"
E, N = "6f1c9a52-3f0e-4c8e-9a57-0c2b2f1d9e10", "0b7e4c1a-9d2f-4f7e-8c3b-5a6d7e8f9a0b"


def test_parameters_and_constraints() -> None:
    template = RouteTemplate.compile(NODE + "/versions/{version:int}")
    assert template.match(f"/engagements/{E}/binder/nodes/{N}/versions/3") == {
        "engagement_id": E,
        "node_id": N,
        "version": "3",
    }
    assert template.match(f"/engagements/{E}/binder/nodes/{N}/versions/three") is None
    assert template.match(f"/engagements/not-a-guid/binder/nodes/{N}/versions/3") is None


@pytest.mark.parametrize("suffix", ["\n", "/\n", "%0A"])
def test_a_trailing_newline_is_not_the_route_without_it(suffix: str) -> None:
    listing = RouteTemplate.compile(NODE + "/versions")
    assert listing.match(f"/engagements/{E}/binder/nodes/{N}/versions") is not None
    assert listing.match(f"/engagements/{E}/binder/nodes/{N}/versions/") is not None
    assert listing.match(f"/engagements/{E}/binder/nodes/{N}/versions{suffix}") is None
