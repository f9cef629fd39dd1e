"""Generated NPQ-style responses: different texts in a teacher's vocabulary, for the similarity
tests and bench/bench_similarity.py. Every script is built from the same phrase bank, so
unrelated scripts share stock phrases as real ones do; copies are planted from them."""

import random

_SUBJECTS = [
    "the senior leadership team", "our middle leaders", "the reading lead", "teachers in Key Stage 3",
    "the SENCO", "early career teachers", "the governing body", "subject leaders", "the trust",
    "teaching assistants", "the head of year", "pupils eligible for pupil premium", "the mentor",
    "the curriculum lead", "staff across the school", "the pastoral team", "form tutors",
    "the attendance officer", "parents and carers", "the literacy coordinator",
]
_VERBS = [
    "should prioritise", "needs to review", "will model", "could strengthen", "must monitor",
    "has identified", "will introduce", "ought to evaluate", "can embed", "should reduce",
    "will sequence", "needs to build", "has underestimated", "will coach", "should rethink",
    "could trial", "must protect", "will audit", "should align", "needs to simplify",
]
_OBJECTS = [
    "explicit vocabulary instruction", "retrieval practice", "the feedback policy",
    "disciplinary literacy", "worked examples", "the behaviour curriculum", "formative assessment",
    "cognitive load", "the reading intervention", "attendance data", "scaffolded tasks",
    "professional development time", "the marking workload", "adaptive teaching",
    "the transition programme", "metacognitive strategies", "questioning routines",
    "the homework policy", "oracy in lessons", "the assessment calendar", "phonics provision",
    "the data on exclusions", "staff wellbeing", "parental engagement", "the timetable",
]
_MODIFIERS = [
    "over the next two terms", "before the spring census", "so that gaps close",
    "using the EEF guidance", "with a clear rationale", "in every department",
    "without adding to workload", "through instructional coaching", "for disadvantaged pupils",
    "as the case study suggests", "by the end of the year", "with fidelity",
    "in small, regular steps", "guided by the evidence", "across both sites",
    "for pupils with SEND", "through lesson visits", "with protected meeting time",
    "so that expectations are consistent", "before scaling it up",
]
_LINKS = [
    "Therefore", "However", "In addition", "As a result", "For this reason", "First",
    "Next", "Finally", "In practice", "Crucially", "At the same time", "Similarly",
]
_EVIDENCE = [
    "Year 7 reading ages fell by {n} months", "attendance dropped to {n} per cent",
    "{n} per cent of staff reported heavy workload", "only {n} pupils met the expected standard",
    "exclusions rose by {n} per cent", "the gap widened to {n} points",
]


_ADJECTIVES = [
    "consistent", "explicit", "targeted", "sustained", "shared", "coherent", "ambitious",
    "inclusive", "structured", "frequent", "precise", "collaborative", "responsive", "timely",
    "deliberate", "whole-school", "subject-specific", "evidence-informed", "low-stakes", "clear",
    "purposeful", "regular", "systematic", "focused", "manageable", "early", "strategic",
]
_NOUNS = [
    "feedback", "vocabulary", "routines", "questioning", "modelling", "retrieval", "attendance",
    "behaviour", "curriculum", "assessment", "coaching", "mentoring", "reading", "writing",
    "oracy", "phonics", "homework", "workload", "wellbeing", "induction", "planning", "data",
    "transition", "inclusion", "scaffolding", "practice", "expectations", "relationships",
    "engagement", "leadership", "governance", "budget", "timetable", "intervention", "sequencing",
]
_PREPOSITIONS = ["for", "in", "across", "through", "with", "within", "beyond", "before", "after"]
_GROUPS = [
    "pupils", "teachers", "leaders", "governors", "families", "departments", "mentors", "tutors",
    "colleagues", "learners", "classes", "cohorts", "staff", "students", "partners",
]


def _phrase(rng: random.Random) -> str:
    words = [rng.choice(_ADJECTIVES), rng.choice(_NOUNS)]
    if rng.random() < 0.4:
        words.insert(1, rng.choice(_ADJECTIVES))
    return " ".join(words)


def sentence(rng: random.Random) -> str:
    text = (f"{rng.choice(['the', 'our', 'their', 'this'])} {_phrase(rng)} {rng.choice(_VERBS)} "
            f"{_phrase(rng)} {rng.choice(_PREPOSITIONS)} {rng.choice(_GROUPS)}")
    if rng.random() < 0.4:
        text = f"{rng.choice(_SUBJECTS)} {rng.choice(_VERBS)} {rng.choice(_OBJECTS)}, and {text}"
    if rng.random() < 0.3:
        text = f"{rng.choice(_LINKS)}, {text}"
    if rng.random() < 0.2:
        text += ", because " + rng.choice(_EVIDENCE).format(n=rng.randint(3, 97))
    if rng.random() < 0.15:
        text += " " + rng.choice(_MODIFIERS)
    return text[0].upper() + text[1:] + "."


def essay(rng: random.Random, words: int = 1500) -> str:
    """About `words` words in paragraphs of four to seven sentences."""
    paragraphs, count = [], 0
    while count < words:
        paragraph = " ".join(sentence(rng) for _ in range(rng.randint(4, 7)))
        paragraphs.append(paragraph)
        count += len(paragraph.split())
    return "\n\n".join(paragraphs)


def paraphrase(text: str, rng: random.Random, share: float = 0.1) -> str:
    """A light paraphrase: about `share` of the words swapped for a synonym-like substitute."""
    words = text.split(" ")
    for i in rng.sample(range(len(words)), int(len(words) * share)):
        words[i] = rng.choice(["also", "really", "clearly", "school", "plan", "staff", "pupils"])
    return " ".join(words)


def reorder(text: str, rng: random.Random) -> str:
    """The same paragraphs in another order."""
    paragraphs = text.split("\n\n")
    rng.shuffle(paragraphs)
    return "\n\n".join(paragraphs)


def planted_copies(current: dict, earlier: dict, rng: random.Random, words: int) -> dict:
    """Copies to plant among `current` (keyed 500-503): script 0 verbatim, script 1 lightly
    paraphrased, earlier script 1002's paragraphs reordered, and a third of script 3's
    paragraphs followed by a new essay of `words` words."""
    paragraphs = current[3].split("\n\n")
    return {
        500: current[0],
        501: paraphrase(current[1], rng),
        502: reorder(earlier[1002], rng),
        503: "\n\n".join(paragraphs[: len(paragraphs) // 3] + essay(rng, words).split("\n\n")),
    }
