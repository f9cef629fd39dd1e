"""The admin's window dashboard and reports."""

from flask import render_template

from .. import clock
from ..access import admin_required, role_required
from ..models import Role
from ..services import dashboard, exports
from ..services.marking_error import MarkingError
from ..services.rubric_store import rubric_for
from ..svg_charts import bar_chart
from .blueprint import bp
from .downloads import download
from .views import _window_or_404


@bp.get("/windows/<int:window_id>/dashboard")
@admin_required
def dashboard_page(window_id: int):
    window = _window_or_404(window_id)
    figures = dashboard.figures(window, clock.now())
    by_day = dashboard.submissions_by_day(window)
    progress = [("Allocated", figures.allocated), ("First-marked", figures.marked),
                ("Second-marked", figures.second_marked), ("Moderated", figures.moderated)]
    return render_template(
        "admin/window_dashboard.html", window=window, figures=figures, by_day=by_day,
        progress=progress,
        submissions_chart=bar_chart(
            "by-day", "First submissions per day", [(f"{d:%a %-d %b}", n) for d, n in by_day],
            "How many participants first submitted on each day of the window (UK time)."),
        progress_chart=bar_chart("progress", "Marking progress", progress,
                                 "Scripts allocated, first-marked, second-marked and moderated."),
    )


@bp.get("/windows/<int:window_id>/reports/dfe-return.csv")
@admin_required
def dfe_return(window_id: int):
    window = _window_or_404(window_id)
    return download(window, "dfe_return", f"window-{window.id}-dfe-return.csv",
                    exports.dfe_return_csv(window), "text/csv")


@bp.get("/windows/<int:window_id>/reports/provider-results.csv")
@admin_required
def provider_report(window_id: int):
    window = _window_or_404(window_id)
    return download(window, "provider_results", f"window-{window.id}-provider-results.csv",
                    exports.provider_report_csv(window), "text/csv")


@bp.get("/windows/<int:window_id>/reports/markers")
@admin_required
def marker_report(window_id: int):
    window = _window_or_404(window_id)
    return render_template("admin/report_markers.html", window=window,
                           rows=dashboard.progress_by_marker(window))


@bp.get("/windows/<int:window_id>/reports/distribution")
@role_required(Role.ADMIN, Role.MODERATOR)
def distribution_report(window_id: int):
    window = _window_or_404(window_id)
    rubrics = {}
    for paper in window.papers:
        try:
            rubrics[paper.npq_code] = rubric_for(paper.npq_code)
        except MarkingError:
            continue
    return render_template("admin/report_distribution.html", window=window,
                           data=dashboard.level_distribution(window), rubrics=rubrics)
