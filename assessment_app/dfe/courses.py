"""The DfE's course identifiers and our NPQ codes: one table, both ways.

The DfE's two support offers (additional support, early headship coaching) have no summative
assessment, so they map to nothing and such enrolments are left out of imports.
"""

COURSE_TO_NPQ = {
    "npq-leading-teaching": "NPQLT",
    "npq-leading-behaviour-culture": "NPQLBC",
    "npq-leading-literacy": "NPQLL",
    "npq-leading-teaching-development": "NPQLTD",
    "npq-leading-primary-mathematics": "NPQLPM",
    "npq-senior-leadership": "NPQSL",
    "npq-headship": "NPQH",
    "npq-early-years-leadership": "NPQEYL",
    "npq-executive-leadership": "NPQEL",
    "npq-senco": "NPQSENCO",
}
NPQ_TO_COURSE = {npq: course for course, npq in COURSE_TO_NPQ.items()}
