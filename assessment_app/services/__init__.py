"""Operations on the database that carry out the domain rules; no request or response objects.

Services query and flush; they never commit. Whoever owns the unit of work commits it once:
the request (request_transaction.py), the scheduler's duty (scheduling._duty), or the command.
The few exceptions are named, with their reasons, in tests/unit/test_services_flush.py.
"""
