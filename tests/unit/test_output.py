import base64

from glimpse.sandbox import encode
from glimpse.sandbox.output import CappedBuffer


def test_buffer_keeps_at_most_its_cap():
    buffer = CappedBuffer(10)
    for _ in range(1000):
        buffer.feed(b"x" * 4096)
    assert buffer.getvalue() == b"x" * 10
    assert buffer.overflowed


def test_utf8_stays_text_and_binary_becomes_exact_base64():
    assert encode("héllo\n".encode(), truncated=False) == ("héllo\n", "utf8")
    raw = b"\xff\xfe\x00bytes"
    text, encoding = encode(raw, truncated=False)
    assert encoding == "base64" and base64.b64decode(text) == raw


def test_a_character_cut_by_truncation_does_not_make_output_binary():
    assert encode("ab€".encode()[:-1], truncated=True) == ("ab", "utf8")
    assert encode("ab€".encode()[:-1], truncated=False)[1] == "base64"
