"""Request ids: kept when well-formed, minted otherwise."""

from taskwire_observability.request_ids import accept_or_mint


def test_a_well_formed_incoming_request_id_is_kept() -> None:
    assert accept_or_mint("3f2a9c1e-abc") == "3f2a9c1e-abc"


def test_a_missing_or_hostile_request_id_is_replaced_by_a_fresh_one() -> None:
    for incoming in (None, "", "has spaces", "x" * 200, "line\nbreak"):
        minted = accept_or_mint(incoming)
        assert minted != incoming
        assert len(minted) == 32
