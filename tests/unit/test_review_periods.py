"""Working days in England and Wales, the review-request period and its refusals (pure rules)."""

from datetime import UTC, date, datetime

import pytest

from assessment_app.review_rules import request_closes_at, request_problem
from assessment_app.working_days import add_working_days, bank_holidays

RELEASED = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)  # a Thursday
PERIOD_ENDS = datetime(2026, 12, 18, 0, 0, tzinfo=UTC)  # after 23:59 on Thursday 17 December


def test_the_shipped_list_has_the_bank_holidays_of_england_and_wales():
    """Boxing Day 2026 falls on a Saturday: Monday 28 December is the substitute day."""
    holidays = bank_holidays()
    assert {date(2026, 12, 25), date(2026, 12, 28), date(2027, 1, 1)} <= holidays
    assert date(2026, 8, 31) in holidays  # summer bank holiday: England and Wales, not Scotland
    assert date(2026, 8, 3) not in holidays  # Scotland's summer bank holiday


def test_bank_holidays_are_worked_out_by_rule_for_years_past_any_shipped_list():
    """2031 and 2035, past the end of GOV.UK's published list: Good Friday and Easter Monday
    (Easter in April 2031, in March 2035), early May, spring and summer bank holidays."""
    holidays = bank_holidays()
    assert {date(2031, 1, 1), date(2031, 4, 11), date(2031, 4, 14), date(2031, 5, 5),
            date(2031, 5, 26), date(2031, 8, 25), date(2031, 12, 25),
            date(2031, 12, 26)} <= holidays
    assert {date(2035, 3, 23), date(2035, 3, 26), date(2035, 5, 7), date(2035, 5, 28),
            date(2035, 8, 27)} <= holidays
    assert date(2035, 3, 27) not in holidays and date(2035, 8, 6) not in holidays  # Scotland's


def test_christmas_and_new_year_at_a_weekend_have_substitute_days():
    """Christmas 2032 is a Saturday and Boxing Day a Sunday: Monday 27 and Tuesday 28 December
    are the bank holidays. New Year's Day 2033 is a Saturday: Monday 3 January is. Christmas
    2033 is a Sunday: Boxing Day is Monday 26 and the substitute Tuesday 27 December."""
    holidays = bank_holidays()
    assert {date(2032, 12, 27), date(2032, 12, 28), date(2033, 1, 3), date(2033, 12, 26),
            date(2033, 12, 27)} <= holidays
    for weekend_day in (date(2032, 12, 25), date(2032, 12, 26), date(2033, 1, 1),
                        date(2033, 12, 25)):
        assert weekend_day not in holidays  # a weekend, not a bank holiday: its substitute is
    assert date(2032, 12, 29) not in holidays


def test_the_review_period_skips_easter_in_2035():
    """Results out on Thursday 15 March 2035: ten working days skip Good Friday (23 March) and
    Easter Monday (26 March) and end on Monday 2 April, at 23:59 BST (the clocks went forward
    on 25 March), so the first instant too late is 23:00 UTC. Without them: Thursday 29 March."""
    released = datetime(2035, 3, 15, 9, 0, tzinfo=UTC)
    assert request_closes_at(released, 10, bank_holidays()) == datetime(2035, 4, 2, 23, 0,
                                                                          tzinfo=UTC)
    assert request_closes_at(released, 10, frozenset()) == datetime(2035, 3, 29, 23, 0,
                                                                     tzinfo=UTC)


def test_the_review_period_skips_the_substitute_days_of_christmas_2032():
    """Results out on Monday 20 December 2032: the period skips Monday 27 and Tuesday 28
    December and Monday 3 January 2033, ending at 23:59 GMT on Thursday 6 January 2033."""
    released = datetime(2032, 12, 20, 12, 0, tzinfo=UTC)
    assert request_closes_at(released, 10, bank_holidays()) == datetime(2033, 1, 7, 0, 0,
                                                                          tzinfo=UTC)
    assert add_working_days(date(2032, 12, 20), 10, frozenset()) == date(2033, 1, 3)


def test_working_days_skip_weekends_and_do_not_count_the_start_day():
    assert add_working_days(date(2026, 12, 3), 1, frozenset()) == date(2026, 12, 4)
    assert add_working_days(date(2026, 12, 4), 1, frozenset()) == date(2026, 12, 7)
    assert add_working_days(date(2026, 12, 3), 10, frozenset()) == date(2026, 12, 17)


def test_working_days_skip_christmas_boxing_day_substitute_and_new_year():
    """From Friday 18 December 2026, ten working days end on Wednesday 6 January 2027."""
    assert add_working_days(date(2026, 12, 18), 10, bank_holidays()) == date(2027, 1, 6)
    assert add_working_days(date(2026, 12, 18), 10, frozenset()) == date(2027, 1, 1)


def test_counting_needs_at_least_one_day():
    with pytest.raises(ValueError):
        add_working_days(date(2026, 12, 3), 0, frozenset())


def test_the_review_period_ends_at_2359_london_on_its_last_working_day():
    assert request_closes_at(RELEASED, 10, bank_holidays()) == PERIOD_ENDS


def test_the_review_period_is_counted_from_the_london_day_of_release_in_summer_time():
    """Results out at 23:30 UTC on Monday 31 May 2027 are out on Tuesday 1 June in London;
    after 31 May (a bank holiday) the period ends at 23:59 BST (22:59 UTC) on Tuesday 15 June."""
    released = datetime(2027, 5, 31, 23, 30, tzinfo=UTC)
    assert request_closes_at(released, 10, bank_holidays()) == datetime(2027, 6, 15, 23, 0,
                                                                          tzinfo=UTC)


def test_a_request_is_taken_up_to_the_last_second_of_the_period_and_refused_after():
    assert request_problem("passed", "marks", RELEASED, PERIOD_ENDS, False,
                           datetime(2026, 12, 17, 23, 59, 59, tzinfo=UTC)) is None
    late = request_problem("passed", "marks", RELEASED, PERIOD_ENDS, False, PERIOD_ENDS)
    assert late == ("The time to ask for a review of this attempt ended at 11:59pm on Thursday "
                    "17 December 2026, so a review can no longer be asked for.")


def test_one_request_per_attempt_and_only_for_a_released_marked_result():
    assert "Only one review" in request_problem("failed", "marks", RELEASED, PERIOD_ENDS, True, RELEASED)
    for outcome in (None, "voided", "not_submitted", "deferred", "lost_engagement"):
        assert "once the result" in request_problem(outcome, "marks", RELEASED, PERIOD_ENDS, False, RELEASED)
    assert "once the result" in request_problem("passed", "marks", None, None, False, RELEASED)


def test_a_misconduct_fail_is_not_offered_a_review_of_marking():
    problem = request_problem("failed", "misconduct", RELEASED, PERIOD_ENDS, False, RELEASED)
    assert "academic misconduct" in problem and "appeal" in problem
