"""UUIDv7: version and variant bits, and ordering by time."""

from taskwire_sql import uuid7


def test_uuid7_has_version_7_and_the_rfc_variant() -> None:
    value = uuid7()
    assert value.version == 7
    assert value.variant == "specified in RFC 4122"


def test_uuid7s_sort_by_their_millisecond() -> None:
    earlier, later = uuid7(now_ms=1_700_000_000_000), uuid7(now_ms=1_700_000_000_001)
    assert earlier < later
    assert str(earlier).startswith("018bcfe5-6800-7")
