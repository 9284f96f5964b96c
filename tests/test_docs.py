"""Documentation that cannot drift: every setting is documented, the README keeps its promise."""

import re
from dataclasses import fields
from pathlib import Path

from newsdesk.settings import SECTIONS, Settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_documented():
    doc = (ROOT / "docs" / "configuration.md").read_text()
    settings = Settings()
    for section in SECTIONS:
        assert f"## `[{section}]`" in doc, f"docs/configuration.md lacks the [{section}] section"
        for field in fields(getattr(settings, section)):
            assert f"| `{field.name}` |" in doc, f"{section}.{field.name} is not documented"


def test_readme_quick_start_is_exactly_the_two_commands_demo_first():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quick start", 1)[1]
    block = re.search(r"```[a-z]*\n(.*?)```", section, re.S).group(1)
    assert block.strip().splitlines() == ["make demo", "make test"]


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
