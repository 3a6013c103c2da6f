"""Judge mode: a program compiled once and run against each test (`Judge`, judge/runs.py), each
test's output compared with what was expected (judge/verdicts.py), the tests' outputs returned
within the answer's room (judge/outputs.py)."""

from glimpse.judge.runs import Judge, Judged
from glimpse.judge.verdicts import outputs_match, overall_status, verdict

__all__ = ["Judge", "Judged", "outputs_match", "overall_status", "verdict"]
