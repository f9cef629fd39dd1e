"""Near-copies among case-study papers (assessment_app/paper_likeness.py): two papers are the
same paper when at least 80% of the shorter one's five-word shingles are in the other (and they
share at least 8); one word changed or a section added leaves them the same paper, while the
shipped papers, each written separately, are all far apart."""

from itertools import combinations

import frontmatter

from assessment_app import paper_likeness
from assessment_app.paper_likeness import SAME_PAPER_PERCENT, likeness, near_copies
from assessment_app.settings import PROJECT_ROOT

SHIPPED = {path.name: frontmatter.loads(path.read_text(encoding="utf-8")).content
           for path in sorted((PROJECT_ROOT / "case_studies").rglob("*.md"))}
FELLGATE = SHIPPED["npqltd-spring-2027.md"]


def test_the_threshold_is_eighty_percent():
    assert SAME_PAPER_PERCENT == 80


def test_one_word_changed_is_the_same_paper():
    copy = FELLGATE.replace(" teachers ", " colleagues ", 1)
    (found,) = near_copies(copy, {"fellgate": FELLGATE})
    assert found.key == "fellgate" and found.whole_percent == 98


def test_a_word_changed_in_every_paragraph_and_a_section_added_is_still_the_same_paper():
    paragraphs = FELLGATE.split("\n\n")
    edited = [p.replace(" the ", " a ", 1) for p in paragraphs]
    copy = "\n\n".join(edited) + "\n\n## Further data\n\n" + SHIPPED["npqh-autumn-2026.md"]
    shared, percent = likeness(copy, FELLGATE)
    assert percent >= SAME_PAPER_PERCENT
    assert [like.key for like in near_copies(copy, {"fellgate": FELLGATE})] == ["fellgate"]


def test_a_paper_sharing_a_third_of_its_text_is_a_different_paper():
    paragraphs = FELLGATE.split("\n\n")
    third = len(paragraphs) // 3
    other = "\n\n".join(paragraphs[:third] + SHIPPED["npqltd-reserve.md"].split("\n\n")[third:])
    assert near_copies(other, {"fellgate": FELLGATE}) == []


def test_no_two_shipped_papers_are_the_same_paper():
    """Papers written separately for one NPQ share stock phrases, far under the threshold."""
    for a, b in combinations(SHIPPED, 2):
        assert not paper_likeness.is_same_paper(*likeness(SHIPPED[a], SHIPPED[b])), (a, b)


def test_a_few_shared_words_are_too_few_to_judge():
    """Two ten-word texts with five of six shingles alike (83%) share too little to be called
    copies: at least 8 shingles must be shared."""
    a = "Brookside School secret case study text for NPQLTD paper one"
    b = "Brookside School secret case study text for NPQLTD paper two"
    shared, percent = likeness(a, b)
    assert shared == 5 and percent > SAME_PAPER_PERCENT
    assert near_copies(a, {"b": b}) == []
