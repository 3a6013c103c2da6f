import base64

import pytest
from pydantic import ValidationError

from glimpse.models import LIMIT_BOUNDS, MAX_FILES, ExecutionRequest, Limits, SourceFile


def field_errors(**request):
    with pytest.raises(ValidationError) as caught:
        ExecutionRequest.model_validate({"language": "python", **request})
    return {".".join(map(str, error["loc"])): error["msg"] for error in caught.value.errors()}


def test_limits_have_documented_defaults():
    limits = Limits()
    assert limits.model_dump() == {name: bound.default for name, bound in LIMIT_BOUNDS.items()}


def test_limits_above_the_maximum_are_capped_never_trusted():
    limits = Limits(time_ms=10**9, memory_mb=10**6, output_bytes=10**12, processes=10**5)
    assert limits.time_ms == 30_000  # wall time never above 30 s
    assert limits.model_dump() == {name: bound.maximum for name, bound in LIMIT_BOUNDS.items()}


@pytest.mark.parametrize("name", ["time_ms", "memory_mb", "output_bytes", "processes"])
def test_limits_below_one_are_rejected_by_name(name):
    errors = field_errors(code="", limits={name: 0})
    assert f"limits.{name}" in errors


@pytest.mark.parametrize(
    "name, words",
    [
        ("../x", "'..'"),
        ("/etc/x", "absolute"),
        ("a/../../b", "'..'"),
        ("a\x00b", "NUL"),
        ("x" * 300, "at most 255 bytes"),
        ("-rf", "option"),
        ("a//b", "empty"),
        ("", "empty"),
    ],
)
def test_hostile_file_names_are_rejected_with_the_field_named(name, words):
    errors = field_errors(files=[{"name": "main.py", "content": ""}, {"name": name, "content": "x"}])
    assert list(errors) == ["files.1.name"]
    assert words in errors["files.1.name"]


def test_ten_thousand_files_are_rejected():
    files = [{"name": f"f{index}.py", "content": ""} for index in range(10_000)]
    errors = field_errors(files=files)
    assert f"at most {MAX_FILES} items" in errors["files"]


def test_exactly_one_of_code_or_files():
    assert "exactly one of" in " ".join(field_errors().values())
    assert "exactly one of" in " ".join(field_errors(code="1", files=[{"name": "a.py", "content": ""}]).values())


def test_duplicate_names_and_unknown_fields_are_rejected():
    files = [{"name": "a.py", "content": ""}, {"name": "a.py", "content": ""}]
    assert "same name" in " ".join(field_errors(files=files).values())
    assert "shell" in field_errors(code="", shell="rm -rf /")


def test_base64_content_is_decoded_and_checked():
    good = SourceFile(name="blob.bin", content=base64.b64encode(b"\xff\x00").decode(), encoding="base64")
    assert good.data() == b"\xff\x00"
    errors = field_errors(files=[{"name": "a.bin", "content": "not base64!", "encoding": "base64"}])
    assert "base64" in errors["files.0"]


def test_arguments_are_bounded_and_nul_free():
    assert "args.0" in field_errors(code="", args=["a\x00b"])
    assert "args" in field_errors(code="", args=["a"] * 65)
