"""The request owns the transaction: services only flush, and what a request did is committed
once here, after its view has answered, or rolled back if the answer is an error.

A view that catches a service's refusal rolls back before answering (the refusal may have
been found half-way); an exception that escapes the view never reaches here, and the
session's teardown rolls its work back.
"""

from flask import Flask

from .extensions import db


def register(app: Flask) -> None:
    @app.after_request
    def _commit(response):
        session = db.session()  # the request's own Session, not the scoped proxy
        if not session.in_transaction():  # nothing began (or the submit path committed its own)
            return response
        if response.status_code < 400:
            session.commit()
        else:
            session.rollback()
        return response
