"""Rubrics are parsed once per version, not on every mark; a changed file is a new version."""

import shutil

import pytest

from assessment_app.services import rubric_store
from assessment_app.settings import PROJECT_ROOT


@pytest.fixture
def parses(ctx, monkeypatch, tmp_path):
    """Counts real rubric parses, from an empty cache, with NPQLTD's rubric in a folder of its own."""
    shutil.copy(PROJECT_ROOT / "rubrics" / "npqltd.yaml", tmp_path / "npqltd.yaml")
    ctx.config["RUBRIC_DIR"] = str(tmp_path)
    calls = []
    real = rubric_store.parse_rubric

    def counting(*args, **kwargs):
        calls.append(kwargs.get("recorded", False))
        return real(*args, **kwargs)

    rubric_store._PARSED_RUBRICS.clear()
    monkeypatch.setattr(rubric_store, "parse_rubric", counting)
    yield calls
    rubric_store._PARSED_RUBRICS.clear()


def test_current_rubric_is_parsed_once_for_many_marks(parses):
    rubrics = [rubric_store.rubric_for("NPQLTD") for _ in range(10)]
    assert len(parses) == 1
    assert all(r is rubrics[0] for r in rubrics)


def test_an_edited_rubric_file_is_parsed_again(parses, tmp_path):
    """The cache key is the file's SHA-256: an edit gives a new version at once, never the old one."""
    before = rubric_store.rubric_for("NPQLTD")
    with open(tmp_path / "npqltd.yaml", "a") as file:
        file.write("\n# edited\n")
    after = rubric_store.rubric_for("NPQLTD")
    assert len(parses) == 2
    assert after.version != before.version


def test_recorded_rubric_is_parsed_once_per_version(parses):
    """rubric_at reads the stored text of a past version; repeated reads parse it once."""
    version = rubric_store.rubric_for("NPQLTD").version
    recorded = [rubric_store.rubric_at(version) for _ in range(10)]
    assert parses == [False, True]
    assert all(r.version == version for r in recorded)


def test_a_broken_rubric_is_refused_every_time(parses, tmp_path):
    """Only successful parses are kept: a broken file is refused on every call, not remembered."""
    (tmp_path / "npqltd.yaml").write_text("npq: [unclosed")
    for _ in range(2):
        with pytest.raises(Exception, match="not valid YAML"):
            rubric_store.rubric_for("NPQLTD")
    assert len(parses) == 2
