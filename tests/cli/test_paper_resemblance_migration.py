"""The migration that records near-copies among papers also compares the papers already in the
bank, as an upload would: a near-copy added before it is one paper with its original after."""

from factories import empty_database
from flask import current_app
from flask_migrate import upgrade
from sqlalchemy import text

from assessment_app.cli import ensure_npqs
from assessment_app.extensions import db
from assessment_app.models import CasePaper, PaperResemblance, PaperSource
from assessment_app.services.papers import text_sha256
from assessment_app.settings import PROJECT_ROOT

DEMO = PROJECT_ROOT / "case_studies" / "demo"
FELLGATE = (DEMO / "npqltd-spring-2027.md").read_text(encoding="utf-8").split("---\n", 2)[2]
ASHBY = (DEMO / "npqltd-reserve.md").read_text(encoding="utf-8").split("---\n", 2)[2]


def _paper(title: str, markdown: str, npq: str = "NPQLTD") -> CasePaper:
    return CasePaper(npq_code=npq, title=title, markdown=markdown, source=PaperSource.MARKDOWN,
                     original_filename=f"{title}.md", sha256=text_sha256(title),
                     text_sha256=text_sha256(markdown))


def test_the_migration_records_near_copies_already_in_the_bank(app):
    empty_database(app)
    with app.app_context():
        directory = current_app.extensions["migrate"].directory
        upgrade(directory=directory, revision="f14c2d8e5a10")
        ensure_npqs()
        papers = [_paper("original", FELLGATE), _paper("other", ASHBY),
                  _paper("copy", FELLGATE.replace(" teachers ", " colleagues ", 1)),
                  _paper("same text, another NPQ", FELLGATE, npq="NPQH")]
        db.session.add_all(papers)
        db.session.commit()
        ids = {paper.title: paper.id for paper in papers}
        db.session.remove()
        upgrade(directory=directory)
        links = [(link.paper_id, link.resembles_id, link.percent)
                 for link in PaperResemblance.query.all()]
        assert links == [(ids["copy"], ids["original"], 98)]
        db.session.remove()
        with db.engine.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))
