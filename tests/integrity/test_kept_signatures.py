"""Each script's signature is made once and kept (script_signature): a later check reuses it, a
changed text or scheme makes it again; a check compares earlier windows of the same NPQ only;
reading a chunk at a time (any chunk size) finds the same pairs, and no chunk is larger than
the setting."""

from datetime import UTC, date, datetime

import pytest
from factories import make_entry, make_user, make_window
from integrity.conftest import submit
from moments import CLOSED

from assessment_app import candidate_search, similarity
from assessment_app.extensions import db
from assessment_app.models import (
    AssessmentWindow,
    ScriptSignature,
    SimilarityPair,
    SimilarityRun,
    SubmissionVersion,
)
from assessment_app.newer_draft import sha256_text
from assessment_app.services import similarity as checks


def check(app):
    """Run a check of the test window, as the scheduler does, and return its pairs."""
    with app.app_context():
        window = AssessmentWindow.query.filter_by(name="Autumn 2026").one()
        run = checks.request_check(window, make_user(), CLOSED)
        checks.run_check(run, CLOSED)
        db.session.commit()  # as the scheduler duty does
        return {(p.version_id, p.other_version_id or ("paper", p.paper_id), p.shared_shingles)
                for p in SimilarityPair.query.filter_by(run_id=run.id)}


@pytest.fixture
def signed(monkeypatch):
    """The versions whose signature a check makes, in order."""
    made = []
    real = similarity.signature
    monkeypatch.setattr(similarity, "signature",
                        lambda values: made.append(len(values)) or real(values))
    return made


def test_a_signature_is_made_once_and_reused_by_every_later_check(app, scripts, signed):
    """The first check signs the window's five scripts and the earlier window's two and keeps
    them; the next check makes none and finds the same pairs."""
    first = check(app)
    assert len(signed) == 7
    with app.app_context():
        kept = {s.version_id: s for s in ScriptSignature.query}
        assert set(kept) == set(scripts.versions.values())
        assert all(s.scheme == similarity.SIGNATURE_SCHEME and len(s.signature) == 256 * 8
                   and len(s.shingles) == 8 * s.shingle_count for s in kept.values())
        version = db.session.get(SubmissionVersion, scripts.versions["honest"])
        assert kept[version.id].text_sha256 == version.sha256
    signed.clear()
    assert check(app) == first
    assert signed == []


def test_a_changed_text_is_signed_again_and_only_it(app, scripts, signed):
    """A version whose text (and so its SHA-256) changed since it was signed is signed again:
    the honest script made a copy of the original is found with it and its copy."""
    check(app)
    signed.clear()
    with app.app_context():
        versions = {n: db.session.get(SubmissionVersion, v) for n, v in scripts.versions.items()}
        honest = versions["honest"]
        honest.text = versions["original"].text
        honest.sha256 = sha256_text(honest.text)
        db.session.commit()
    pairs = {(a, b) for a, b, _ in check(app)}
    assert len(signed) == 1
    v = scripts.versions
    assert {(v["original"], v["honest"]), (v["verbatim"], v["honest"])} <= pairs


def test_a_new_scheme_signs_every_script_again(app, scripts, signed, monkeypatch):
    first = check(app)
    signed.clear()
    monkeypatch.setattr(similarity, "SIGNATURE_SCHEME", similarity.SIGNATURE_SCHEME + 1)
    assert check(app) == first
    assert len(signed) == 7
    with app.app_context():
        assert {s.scheme for s in ScriptSignature.query} == {similarity.SIGNATURE_SCHEME}


def test_earlier_windows_of_the_same_npq_are_compared_and_no_other_npqs(app, scripts, clock):
    """A copy of the honest script in an earlier NPQH window is not compared (another NPQ);
    a copy in a second earlier NPQLTD window is."""
    with app.app_context():
        honest = db.session.get(SubmissionVersion, scripts.versions["honest"]).text
        clock.at(datetime(2026, 5, 20, tzinfo=UTC))
        npqh = make_window(name="Summer NPQH", first_day=date(2026, 6, 2), npqs=("NPQH",))
        npqltd = make_window(name="Summer NPQLTD", first_day=date(2026, 6, 2))
        other_npq = make_entry(npqh, make_user(email="h@example.org", programme="NPQH"),
                               npq="NPQH")
        same_npq = make_entry(npqltd, make_user(email="l@example.org"))
        clock.at(datetime(2026, 6, 4, 12, tzinfo=UTC))
        other_copy = submit(other_npq, honest, "h").id
        same_copy = submit(same_npq, honest, "l").id
        db.session.commit()  # as the request does
    clock.at(CLOSED)
    pairs = {(a, b) for a, b, _ in check(app)}
    assert (scripts.versions["honest"], same_copy) in pairs
    assert not [pair for pair in pairs if other_copy in pair]
    with app.app_context():
        run = SimilarityRun.query.order_by(SimilarityRun.id.desc()).first()
        assert run.earlier_scripts == 3
        assert db.session.get(ScriptSignature, other_copy) is None  # never read, never signed


@pytest.mark.parametrize("chunk", [1, 2, 3])
def test_any_chunk_size_finds_the_same_pairs_and_no_chunk_is_larger(app, scripts, chunk,
                                                                     monkeypatch):
    """Memory is bounded by construction: earlier signatures reach the search `chunk` at a
    time, and the pairs are those of one big chunk."""
    whole = check(app)
    with app.app_context():
        ScriptSignature.query.delete()
        db.session.commit()
    app.config["SIMILARITY_CHUNK_SCRIPTS"] = chunk
    seen, cut = [], []
    against = candidate_search.CandidateSearch.against
    monkeypatch.setattr(candidate_search.CandidateSearch, "against",
                        lambda self, earlier, sizes: seen.append(len(earlier))
                        or against(self, earlier, sizes))
    real = similarity.shingles
    monkeypatch.setattr(similarity, "shingles", lambda text: cut.append(1) or real(text))
    assert check(app) == whole
    assert seen and max(seen) <= chunk and sum(seen) == 2
    assert len(cut) == 8  # seven scripts, each once, and the case study
