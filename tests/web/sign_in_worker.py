"""One web worker in a process of its own, as gunicorn runs them: it signs in and prints the
status codes as JSON. Configured only by environment variables (ASSESSMENT_*, DATABASE_URL).

    python sign_in_worker.py EMAIL PASSWORD [PASSWORD ...]
"""

import json
import sys

from assessment_app import create_app

if __name__ == "__main__":
    email, passwords = sys.argv[1], sys.argv[2:]
    client = create_app().test_client()
    print(json.dumps([client.post("/login", data={"email": email, "password": password}).status_code
                      for password in passwords]))
