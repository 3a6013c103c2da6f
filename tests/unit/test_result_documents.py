"""A run's measurements, from the sandbox's Outcome to the stage a result reports: every field
under its name, in the contract's order (docs/api.md), as the bytes a caller receives."""

import json

from glimpse.models import Measurements, Status
from glimpse.sandbox import Outcome


def test_a_stage_reports_the_runs_streams_and_measurements():
    outcome = Outcome(
        Status.TIME_LIMIT, stdout=b"partial\n", stderr=b"\xff", message="stopped after the time limit of 500 ms",
        measured=Measurements(signal="SIGKILL", time_ms=502, cpu_ms=480, memory_kb=9000),
    )
    assert outcome.stage().model_dump_json(exclude_none=True) == (
        '{"status":"time_limit","stdout":"partial\\n","stderr":"/w==","stdout_encoding":"utf8",'
        '"stderr_encoding":"base64","signal":"SIGKILL","time_ms":502,"cpu_ms":480,"memory_kb":9000,'
        '"truncated":false,"message":"stopped after the time limit of 500 ms"}'
    )


def test_a_stage_of_a_run_that_ended_by_itself_has_no_signal_and_no_message():
    stage = Outcome(Status.OK, stdout=b"42\n", measured=Measurements(exit_code=0, time_ms=21, cpu_ms=15, memory_kb=24072)).stage()
    assert json.dumps(stage.model_dump(mode="json", exclude_none=True)) == (
        '{"status": "ok", "stdout": "42\\n", "stderr": "", "stdout_encoding": "utf8", "stderr_encoding": "utf8", '
        '"exit_code": 0, "time_ms": 21, "cpu_ms": 15, "memory_kb": 24072, "truncated": false}'
    )
