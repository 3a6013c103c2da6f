"""The one rule for file names that come from a request.

The models use it to reject a request with a message naming the field, and the workspace uses it
again before it writes anything: both must agree, so both call this function.
"""

MAX_NAME_BYTES = 255
MAX_DEPTH = 8


def check_relative_name(name: str) -> str:
    """Return `name` if it is a safe relative path inside a workspace, else raise ValueError."""
    if not name:
        raise ValueError("a file name must not be empty")
    if "\x00" in name:
        raise ValueError("a file name must not contain a NUL character")
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in name) or "\\" in name:
        raise ValueError("a file name must not contain control characters or backslashes")
    if len(name.encode("utf-8", errors="surrogatepass")) > MAX_NAME_BYTES:
        raise ValueError(f"a file name must be at most {MAX_NAME_BYTES} bytes long")
    if name.startswith("/"):
        raise ValueError(f"{name!r} is absolute; file names are relative to the workspace")
    parts = name.split("/")
    if len(parts) > MAX_DEPTH:
        raise ValueError(f"{name!r} is nested more than {MAX_DEPTH} directories deep")
    for part in parts:
        if part in ("", ".", ".."):
            raise ValueError(f"{name!r} has an empty, '.' or '..' component; it must stay inside the workspace")
        if part.startswith("-"):
            raise ValueError(f"{name!r} has a component starting with '-', which tools would read as an option")
    return name
