"""Named moments of the test window of 24 November to 1 December 2026 (GMT), to the second."""

from datetime import UTC, datetime

BEFORE_RELEASE = datetime(2026, 11, 24, 0, 0, 59, tzinfo=UTC)
RELEASED = datetime(2026, 11, 24, 0, 1, 0, tzinfo=UTC)
DURING = datetime(2026, 11, 26, 14, 30, tzinfo=UTC)
LAST_SECOND = datetime(2026, 12, 1, 23, 59, 59, tzinfo=UTC)
CLOSED = datetime(2026, 12, 2, 0, 0, 0, tzinfo=UTC)
