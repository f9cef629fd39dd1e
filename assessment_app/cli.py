"""Command-line tasks: `flask --app assessment_app <command>`."""

import logging
import os
import signal
import sys
import threading

import click
from flask import Flask, current_app
from flask_migrate import upgrade
from sqlalchemy import select

from .extensions import db
from .models import Npq, Role, User
from .npqs import NPQS


def init_db() -> None:
    """Bring the schema up to date with the migrations and make sure the ten NPQs exist."""
    upgrade(directory=current_app.extensions["migrate"].directory)
    ensure_npqs()


def ensure_npqs() -> None:
    existing = set(db.session.scalars(select(Npq.code)))
    db.session.add_all(
        Npq(code=npq.code, name=npq.name, kind=npq.kind) for npq in NPQS if npq.code not in existing
    )
    db.session.commit()


def register_commands(app: Flask) -> None:
    @app.cli.command("init-db")
    def init_db_command():
        """Create or upgrade the database tables."""
        init_db()
        click.echo("Database ready.")

    @app.cli.command("grant-runtime-role")
    @click.argument("name")
    def grant_runtime_role_command(name):
        """Grant the role the app runs as its rights (run as the schema's owner, after init-db)."""
        from .database_roles import grant_runtime_role
        from .scheduling import JOB_TABLE

        if db.engine.dialect.name != "postgresql":
            raise click.ClickException("Database roles are PostgreSQL's: on SQLite there is "
                                       "nothing to grant.")
        with db.engine.begin() as conn:
            for statement in grant_runtime_role(conn, name, JOB_TABLE):
                click.echo(statement + ";")
        click.echo(f"{name} may now run the app: it can add to and read the audit log, never "
                   "change it.")

    @app.cli.command("seed-demo")
    def seed_demo_command():
        """Add demo users, windows and case studies (prints the demo passwords)."""
        from .demo import seed_demo

        init_db()
        lines = seed_demo()
        db.session.commit()  # the command owns its transaction, as a request does
        for line in lines:
            click.echo(line)

    @app.cli.command("import-papers")
    @click.argument("directory", required=False, type=click.Path(file_okay=False))
    def import_papers_command(directory):
        """Load the case-study files of a folder (default: case_studies/) into the paper bank."""
        from .case_studies import CaseStudyError
        from .clock import now
        from .services.papers import PaperError, import_directory, near_copy_warning

        try:
            added, skipped = import_directory(directory or current_app.config["CASE_STUDY_DIR"],
                                              now())
        except (CaseStudyError, PaperError) as problem:
            raise click.ClickException(f"Nothing was imported. {problem}") from None
        db.session.commit()  # the command owns its transaction, as a request does
        for paper in added:
            click.echo(f"Added {paper.npq_code}: {paper.title} ({paper.original_filename})")
            warning = near_copy_warning(paper)
            if warning:
                click.echo(f"  Warning: {warning}")
        if skipped:
            click.echo(f"Already in the bank: {', '.join(skipped)}")
        click.echo(f"{len(added)} paper{'s' if len(added) != 1 else ''} added.")

    @app.cli.command("create-user")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
    @click.password_option()
    def create_user_command(email, name, role, password):
        """Create a user with a password."""
        if db.session.scalar(select(User).where(User.email == email.strip().lower())):
            raise click.ClickException(f"{email} already has an account")
        user = User(email=email, name=name, role=Role(role))
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        click.echo(f"Created {role} {user.email}.")

    @app.cli.command("reset-second-factor")
    @click.option("--email", required=True)
    def reset_second_factor_command(email):
        """Take away a staff account's authenticator app and recovery codes (a lost phone)."""
        from .services import second_factor

        user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise click.ClickException(f"{email} has no account")
        second_factor.reset(user)
        db.session.commit()
        click.echo(f"{user.email} has no authenticator app now and is signed out everywhere; "
                   "where the role requires one, they set one up at their next sign-in.")

    @app.cli.command("scheduler")
    @click.option("--stop-after", type=float, hidden=True,
                  help="Stop after this many seconds (a bound for tests).")
    def scheduler_command(stop_after):
        """Run the scheduler; run one on each of two servers: one leads, the other stands by."""
        from .scheduling import LOST_LOCK_EXIT_CODE, run_scheduler

        if not logging.getLogger().handlers:
            logging.basicConfig(level=logging.INFO,
                                format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        stopping = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopping.set())
        if stop_after is not None:
            timer = threading.Timer(stop_after, stopping.set)
            timer.daemon = True
            timer.start()
        code = run_scheduler(app, stopping)
        if code == LOST_LOCK_EXIT_CODE:
            # Leave now: waiting for a running job could let two schedulers overlap.
            logging.shutdown()
            os._exit(code)
        sys.exit(code)

    @app.cli.command("scheduler-status")
    def scheduler_status_command():
        """Say which scheduler process leads and which stand by (exit code 1 if none leads)."""
        from .scheduler_lock import leader_lock

        lines = leader_lock(db.engine.url, app.instance_path).status()
        for line in lines or ["No scheduler is running."]:
            click.echo(line)
        if not any(line.startswith("leader:") for line in lines):
            sys.exit(1)

    @app.cli.command("recount-levels")
    def recount_levels_command():
        """Make every window's kept level counts (the distribution report's) afresh from the
        marks: after rows were changed other than through the app."""
        from .models import AssessmentWindow
        from .services import level_counts

        windows = db.session.scalars(select(AssessmentWindow)).all()
        for window in windows:
            level_counts.recount(window)
        db.session.commit()
        click.echo(f"Level counts made afresh for {len(windows)} window(s).")
