"""The moderation pack as an admin gets it: asked for, built by the scheduler's job, downloaded."""

import io
import re
import zipfile

from assessment_app import scheduling


def build_queued(app) -> None:
    """Run the scheduler's pack job once, as the leader would (it builds every queued pack)."""
    scheduling._app, before = app, scheduling._app
    try:
        scheduling.build_packs()
    finally:
        scheduling._app = before


def download_link(page: str) -> str:
    return re.search(r'href="([^"]+/download)"', page).group(1)


def built_pack(app, client, window_id: int) -> zipfile.ZipFile:
    """Ask for the window's pack, let the scheduler build it, and download it."""
    asked = client.post(f"/admin/windows/{window_id}/moderation-pack")
    assert asked.status_code == 303, asked.status_code
    build_queued(app)
    page = client.get(f"/admin/windows/{window_id}/moderation-pack")
    assert page.status_code == 200 and "ready to download" in page.text
    with client.get(download_link(page.text)) as response:  # closes the file sent
        assert response.status_code == 200 and response.mimetype == "application/zip"
        return zipfile.ZipFile(io.BytesIO(response.data))
