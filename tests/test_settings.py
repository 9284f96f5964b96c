"""Settings: defaults < config file < environment; bad values are explained."""

import pytest

from newsdesk.settings import SettingsError, load_settings


def test_defaults_without_a_config_file(tmp_path):
    settings = load_settings(tmp_path, env={})
    assert settings.fetch.timeout == 15.0 and settings.write.writer == "extractive"
    assert settings.db_path == tmp_path / "newsdesk.db"


def test_config_file_then_environment_override_defaults(tmp_path):
    (tmp_path / "newsdesk.toml").write_text(
        '[fetch]\ntimeout = 5\nallow_private = true\n[web]\nmuted_outlets = ["Daily Lantern"]\n')
    settings = load_settings(tmp_path, env={"NEWSDESK_FETCH_TIMEOUT": "2.5",
                                            "NEWSDESK_WEB_MUTED_KEYWORDS": "horoscope, lottery"})
    assert settings.fetch.timeout == 2.5
    assert settings.fetch.allow_private is True
    assert settings.web.muted_outlets == ("Daily Lantern",)
    assert settings.web.muted_keywords == ("horoscope", "lottery")


def test_the_data_dir_comes_from_the_environment_when_not_given(tmp_path):
    assert load_settings(None, env={"NEWSDESK_DATA": str(tmp_path)}).data_dir == tmp_path


@pytest.mark.parametrize("config, message", [
    ("[fetch]\ntimeuot = 5\n", "unknown key fetch.timeuot"),
    ("[fetch]\ntimeout = 'soon'\n", "fetch.timeout"),
    ("[fetch\n", "not valid TOML"),
])
def test_mistakes_in_the_config_file_say_what_to_fix(tmp_path, config, message):
    (tmp_path / "newsdesk.toml").write_text(config)
    with pytest.raises(SettingsError, match=message):
        load_settings(tmp_path, env={})


def test_a_bad_environment_value_names_the_variable(tmp_path):
    with pytest.raises(SettingsError, match="NEWSDESK_FETCH_ALLOW_PRIVATE"):
        load_settings(tmp_path, env={"NEWSDESK_FETCH_ALLOW_PRIVATE": "maybe"})
