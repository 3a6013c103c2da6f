"""API keys of the local gateway, and the development key `glimpse dev` serves with."""

from __future__ import annotations

import hashlib
import os
import secrets
import string
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

DEV_KEY_VARIABLE = "GLIMPSE_DEV_API_KEY"
DEV_KEY_FILE = Path(".glimpse") / "dev-api-key"  # under the checkout; .gitignore keeps .glimpse/ out
MIN_KEY_CHARS = 20  # API Gateway refuses shorter key values
_KEY_ALPHABET = string.ascii_letters + string.digits


class ApiKey(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: str = Field(min_length=MIN_KEY_CHARS, description="what a client sends in x-api-key")
    id: str = Field(description="what the router sees as requestContext.identity.apiKeyId: the tenant id")

    @classmethod
    def of(cls, value: str) -> ApiKey:
        """The key with this value; its id is derived from it (ten lower-case characters, as API
        Gateway's ids look), so a key keeps its id, and its tenant its environments' identity,
        across restarts."""
        digest = int.from_bytes(hashlib.sha256(value.encode()).digest()[:8])
        id_chars = []
        for _ in range(10):
            digest, index = divmod(digest, 36)
            id_chars.append((string.ascii_lowercase + string.digits)[index])
        return cls(value=value, id="".join(id_chars))


def new_key_value() -> str:
    """40 letters and digits, as the keys API Gateway generates."""
    return "".join(secrets.choice(_KEY_ALPHABET) for _ in range(40))


def development_key(root: Path, environ: Mapping[str, str]) -> ApiKey:
    """GLIMPSE_DEV_API_KEY if set; else the key stored in <root>/.glimpse/dev-api-key, made on first use."""
    if environ.get(DEV_KEY_VARIABLE):
        value = environ[DEV_KEY_VARIABLE]
        if len(value) < MIN_KEY_CHARS:
            raise ValueError(f"{DEV_KEY_VARIABLE} must be at least {MIN_KEY_CHARS} characters long (API Gateway's minimum)")
        return ApiKey.of(value)
    path = root / DEV_KEY_FILE
    if not path.exists():
        path.parent.mkdir(mode=0o700, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(new_key_value() + "\n")
    return ApiKey.of(path.read_text().strip())
