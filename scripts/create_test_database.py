"""Create (or re-create) an empty PostgreSQL database for the test suite: the URL's last part."""

import sys

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

url = make_url(sys.argv[1])
name = url.database
server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
with server.connect() as conn:
    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    conn.execute(text(f'CREATE DATABASE "{name}"'))
server.dispose()
print(f"Created empty database {name}.")
