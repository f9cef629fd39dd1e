"""The external moderator's pack for a window: asked for here, built by the scheduler
(services/moderation_packs.py), followed on a progress page, then downloaded."""

from pathlib import Path

from flask import abort, current_app, jsonify, redirect, render_template, send_file, url_for
from flask_login import current_user

from .. import clock, pack_progress, scheduling
from ..access import admin_required
from ..extensions import db
from ..models import PackStatus
from ..services import audit, moderation_packs
from .blueprint import bp
from .views import _window_or_404


def _folder() -> Path:
    return Path(current_app.config["EXPORTS_FOLDER"])


def _pack_or_404(window_id: int, pack_id: int):
    pack = moderation_packs.of_window(window_id, pack_id)
    if pack is None:
        abort(404)
    return pack


def _status(pack, at) -> dict:
    """What the progress page shows of a pack, for its first render and each poll."""
    left = pack_progress.seconds_left(pack.done, pack.total, pack.started_at, at)
    return {
        "status": pack.status.value, "done": pack.done, "total": pack.total,
        "percent": pack_progress.percent(pack.done, pack.total),
        "scripts": pack_progress.scripts_text(pack.done, pack.total) if pack.total else "",
        "stage": pack.stage,
        "time_left": pack_progress.time_left_text(left) if pack.status is PackStatus.BUILDING else "",
    }


@bp.get("/windows/<int:window_id>/moderation-pack")
@admin_required
def moderation_pack(window_id: int):
    window = _window_or_404(window_id)
    pack = moderation_packs.latest(window.id)
    at = clock.now()
    return render_template(
        "admin/moderation_pack.html", window=window, pack=pack, at=at,
        status=_status(pack, at) if pack else None,
        file=pack and moderation_packs.path_of(pack, _folder()),
        file_name=pack and pack.finished_at and _file_name(pack),
        size=pack and pack.size and pack_progress.size_text(pack.size))


@bp.post("/windows/<int:window_id>/moderation-pack")
@admin_required
def build_moderation_pack(window_id: int):
    window = _window_or_404(window_id)
    _, queued = moderation_packs.request_pack(window, current_user, clock.now())
    db.session.commit()
    if queued:
        scheduling.notify_pack_queued(current_app._get_current_object())
    return redirect(url_for(".moderation_pack", window_id=window.id), 303)


@bp.get("/windows/<int:window_id>/moderation-pack/<int:pack_id>/status")
@admin_required
def moderation_pack_status(window_id: int, pack_id: int):
    window = _window_or_404(window_id)
    response = jsonify(_status(_pack_or_404(window.id, pack_id), clock.now()))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/windows/<int:window_id>/moderation-pack/<int:pack_id>/download")
@admin_required
def download_moderation_pack(window_id: int, pack_id: int):
    window = _window_or_404(window_id)
    pack = _pack_or_404(window.id, pack_id)
    path = moderation_packs.path_of(pack, _folder())
    if path is None:
        abort(404)
    name = _file_name(pack)
    audit.record("export.downloaded", actor=current_user, window_id=window.id,
                 export="moderation_pack", filename=name, pack=pack.id, sha256=pack.sha256)
    db.session.commit()
    return send_file(path, mimetype="application/zip", as_attachment=True, download_name=name,
                     max_age=0, etag=pack.sha256)


def _file_name(pack) -> str:
    """window-7-moderation-pack-20261206-1405.zip: the window, and when the pack was built in
    London time, so the moderator can tell two packs apart."""
    built = clock.to_london(pack.finished_at).strftime("%Y%m%d-%H%M")
    return f"window-{pack.window_id}-moderation-pack-{built}.zip"


@bp.get("/windows/<int:window_id>/export/scripts.zip")
@admin_required
def export_zip(window_id: int):
    """The pack's old address: the pack is now built as a job, so this leads to its page."""
    return redirect(url_for(".moderation_pack", window_id=_window_or_404(window_id).id))
