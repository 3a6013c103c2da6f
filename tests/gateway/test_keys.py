"""API keys: ids derived from values, and the development key `glimpse dev` keeps."""

import stat

import pytest

from glimpse_local.gateway import DEV_KEY_FILE, ApiKey, development_key


def test_a_key_id_is_ten_lower_case_characters_derived_from_the_value():
    key = ApiKey.of("a-development-key-of-forty-characters-xx")
    assert len(key.id) == 10 and key.id.isalnum() and key.id == key.id.lower()
    assert ApiKey.of(key.value).id == key.id and ApiKey.of(key.value + "y").id != key.id


def test_the_development_key_is_made_once_kept_private_and_reused(tmp_path):
    first = development_key(tmp_path, {})
    stored = tmp_path / DEV_KEY_FILE
    assert stored.read_text().strip() == first.value and len(first.value) == 40
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600 and stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
    assert development_key(tmp_path, {}) == first


def test_glimpse_dev_api_key_overrides_the_stored_key(tmp_path):
    assert development_key(tmp_path, {"GLIMPSE_DEV_API_KEY": "my-own-key-of-enough-length"}).value == "my-own-key-of-enough-length"
    assert not (tmp_path / DEV_KEY_FILE).exists()
    with pytest.raises(ValueError, match="at least 20"):
        development_key(tmp_path, {"GLIMPSE_DEV_API_KEY": "short"})
