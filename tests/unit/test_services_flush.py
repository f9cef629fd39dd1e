"""Services flush; the request, the scheduler's duty or the command commits (services/__init__).

Every call in assessment_app/services that ends a transaction (`*.commit()`, `*.rollback()`, a
`*.begin()` block, which commits as it closes, or round_trips.committed_in_one_round_trip) is
found with ast; only the exceptions below, each with its reason, may have one.
"""

import ast
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[2] / "assessment_app" / "services"

# (module, function, what it calls) -> why that function must end the transaction itself.
EXCEPTIONS = {
    ("mail.py", "deliver_pending", "commit"):
        "each message is recorded as sent as soon as the SMTP server has accepted it, before "
        "the next one goes, so a crash later in the batch never sends it twice",
    ("moderation_packs.py", "_write", "begin"):
        "a pack's progress and heartbeat must reach the progress page (and other servers, which "
        "requeue a silent build) while the build's long read is still open: each is written in "
        "a short transaction of its own, and only while the claim is still this build's",
    ("submissions.py", "submit_to", "committed_in_one_round_trip"):
        "the submit hot path: the request's COMMIT is folded into the submission, sent in the "
        "same round trip as its rows (psycopg's pipeline on PostgreSQL), a measured saving",
    ("submissions.py", "_take", "rollback"):
        "part of submit_to's folded commit: a version number taken meanwhile fails that whole "
        "transaction (on PostgreSQL the pipeline has already ended it); the retry starts anew",
}

ENDS_TRANSACTION = {"commit", "rollback", "begin", "committed_in_one_round_trip"}


def _calls(module: Path):
    """(function, name) for each call or use of a transaction-ending name in the module."""
    tree = ast.parse(module.read_text(), filename=str(module))
    found = []

    def visit(node, function):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            function = node.name
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ENDS_TRANSACTION:
            found.append((function, node.func.attr, node.lineno))
        if isinstance(node, ast.Name) and node.id in ENDS_TRANSACTION:
            found.append((function, node.id, node.lineno))  # called, or passed on to be
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(tree, "<module>")
    return found


def _all_calls():
    return [(module.name, function, name, line)
            for module in sorted(SERVICES.glob("*.py"))
            for function, name, line in _calls(module)]


def test_no_service_commits_except_the_named_exceptions():
    """A half-made change never reaches the database: whoever owns the unit of work commits
    it once, so a service that commits is a bug unless it is listed above with its reason."""
    stray = [f"services/{module}:{line} {function}() calls {name}"
             for module, function, name, line in _all_calls()
             if (module, function, name) not in EXCEPTIONS]
    assert stray == []


def test_every_named_exception_is_still_there():
    """The list of exceptions names only what the code still does (none is left behind)."""
    present = {(module, function, name) for module, function, name, _ in _all_calls()}
    assert set(EXCEPTIONS) <= present
    assert all(reason.strip() for reason in EXCEPTIONS.values())


def test_the_scan_finds_a_commit(tmp_path):
    """The scan itself: a commit inside a nested block of a function is found."""
    module = tmp_path / "example.py"
    module.write_text("def f():\n    if x:\n        db.session.commit()\n")
    assert _calls(module) == [("f", "commit", 3)]
