"""Bar charts as server-rendered SVG: no JavaScript, values printed beside each bar and a hatch
pattern, so nothing depends on colour. Each chart comes with a data table on the page."""

from markupsafe import Markup, escape

WIDTH, LABEL_WIDTH, BAR_HEIGHT, GAP = 640, 170, 22, 8


def bar_chart(chart_id: str, title: str, items: list[tuple[str, int]], description: str) -> Markup:
    top = max((value for _, value in items), default=0) or 1
    span = WIDTH - LABEL_WIDTH - 60
    height = len(items) * (BAR_HEIGHT + GAP) + GAP
    rows = []
    for index, (label, value) in enumerate(items):
        y = GAP + index * (BAR_HEIGHT + GAP)
        length = round(span * value / top)
        rows.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT - 6}" text-anchor="end" '
            f'font-size="14" fill="#0b0c0c">{escape(label)}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length}" height="{BAR_HEIGHT}" '
            f'fill="url(#{chart_id}-hatch)" stroke="#0b0c0c" stroke-width="1"/>'
            f'<text x="{LABEL_WIDTH + length + 6}" y="{y + BAR_HEIGHT - 6}" font-size="14" '
            f'font-weight="bold" fill="#0b0c0c">{value}</text>'
        )
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="100%" '
        f'viewBox="0 0 {WIDTH} {height}" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'font-family="system-ui, -apple-system, Segoe UI, Roboto, Helvetica, Arial, sans-serif" class="app-chart">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>'
        f'<defs><pattern id="{chart_id}-hatch" width="6" height="6" '
        f'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#d2e2f1"/><line x1="0" y1="0" x2="0" y2="6" '
        f'stroke="#1d70b8" stroke-width="3"/></pattern></defs>'
        + "".join(rows) + "</svg>"
    )
