"""Rubric versions kept with past marks (services/rubric_store.rubric_at): a version recorded before
one pass rule was agreed across NPQs still reads, with its own rule, after the change."""

import hashlib

import pytest
import yaml

from assessment_app.extensions import db
from assessment_app.models import RubricVersion
from assessment_app.rubrics import STANDARD_PASS_RULE, RubricError, parse_rubric
from assessment_app.settings import PROJECT_ROOT


def _npqsl_before_one_rule() -> bytes:
    """Today's NPQSL rubric with the rule it had before: five of six Secure, none below
    Developing, and no pass_rule_rationale (none was required then)."""
    data = yaml.safe_load((PROJECT_ROOT / "rubrics" / "npqsl.yaml").read_text(encoding="utf-8"))
    data["pass_rule"] = {"min_at_level": {"level": "secure", "count": 5},
                         "none_below": "developing"}
    return yaml.safe_dump(data, sort_keys=False).encode("utf-8")


def test_a_version_recorded_under_an_older_rule_still_reads_with_that_rule(ctx):
    """rubric_at reads a stored version whose rule is no longer allowed for new marking, so
    past results and feedback keep the rule they were marked under."""
    from assessment_app.services.rubric_store import rubric_at

    raw = _npqsl_before_one_rule()
    version = hashlib.sha256(raw).hexdigest()
    db.session.add(RubricVersion(version=version, npq_code="NPQSL", content=raw.decode("utf-8")))
    db.session.commit()

    rubric = rubric_at(version)
    assert rubric.version == version
    assert rubric.pass_rule != STANDARD_PASS_RULE
    one_developing = {c.id: "secure" for c in rubric.criteria}
    one_developing[rubric.criteria[-1].id] = "developing"
    assert rubric.outcome(one_developing) == "pass"  # as it was marked, not as it would be today
    with pytest.raises(RubricError) as caught:  # refused for the rubrics in use now
        parse_rubric(raw, source="npqsl.yaml")
    assert caught.value.field == "pass_rule"
