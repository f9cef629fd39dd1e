"""The ceiling for the submit surge: a bare Flask app storing the posted text with one INSERT.

Served by bench/bench_load.py under the same gunicorn settings as the real app, on the same
PostgreSQL database, so the submit rate can be read as a share of what the stack itself allows.
"""

import os

from flask import Flask, request
from sqlalchemy import create_engine, text

TABLE = "bench_bare_insert"
engine = create_engine(os.environ["BENCH_DATABASE_URL"])
app = Flask(__name__)


@app.post("/submit")
def submit():
    """Parse the same form body the submit page takes and store its text: nothing else."""
    with engine.begin() as conn:
        row_id = conn.execute(
            text(f"INSERT INTO {TABLE} (body) VALUES (:body) RETURNING id"),
            {"body": request.form["text"]},
        ).scalar_one()
    return {"id": row_id}, 201


@app.get("/health")
def health():
    return "ok"
