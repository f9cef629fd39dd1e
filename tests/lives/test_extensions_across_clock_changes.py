"""Extensions whose span crosses a clock change: the last allowed day is allowed, the next day is
refused, and the message gives the limit in London time (frozen clock at the release)."""

from datetime import date, time, timedelta

import pytest
from factories import make_entry, make_user, make_window

from assessment_app.clock import to_london
from assessment_app.deadlines import deadline_closes_at
from assessment_app.models import Role
from assessment_app.services import deadline_extensions
from assessment_app.services.deadline_extensions import ExtensionRefused

CASES = [
    # End of BST (Sunday 25 October 2026) between the deadline and the limit.
    (date(2026, 10, 10), date(2026, 10, 31), "11:59pm on Saturday 31 October 2026"),
    # Start of BST (Sunday 28 March 2027) between them.
    (date(2027, 3, 13), date(2027, 4, 3), "11:59pm on Saturday 3 April 2027"),
]


@pytest.fixture
def entered(ctx, clock):
    def make(first_day):
        clock.at(deadline_closes_at(first_day - timedelta(days=7), time(12, 0)))
        window = make_window(first_day=first_day)
        entry = make_entry(window)
        clock.at(window.release_at)
        return entry, make_user(Role.ADMIN, email="boss@example.org")
    return make


@pytest.mark.parametrize(("first_day", "last_allowed", "_text"), CASES)
def test_the_last_allowed_day_is_granted_at_the_windows_deadline_time(entered, first_day,
                                                                      last_allowed, _text):
    entry, admin = entered(first_day)
    (granted,) = deadline_extensions.grant([entry], last_allowed, "Illness", admin,
                                         entry.window.release_at).granted
    local = to_london(granted.closes_at - timedelta(minutes=1))
    assert (local.date(), local.time()) == (last_allowed, time(23, 59))
    assert entry.closes_at == granted.closes_at


@pytest.mark.parametrize(("first_day", "last_allowed", "text"), CASES)
def test_a_day_more_is_refused_with_the_limit_in_london_time(entered, first_day, last_allowed,
                                                            text):
    entry, admin = entered(first_day)
    with pytest.raises(ExtensionRefused) as refused:
        deadline_extensions.grant([entry], last_allowed + timedelta(days=1), "Illness", admin,
                                     entry.window.release_at)
    assert str(refused.value) == f"Extensions for this window can run to {text} at the latest " \
                                 "(14 days)."
    assert entry.extended_closes_at is None
