"""Fixtures shared across test modules."""

from __future__ import annotations

import pytest

from tests.demo_fixture import run_demo


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """The demo week fetched, grouped and written once per test session: (data dir, result).

    Shared because it is the slowest fixture; tests that change the store copy it first."""
    data_dir = tmp_path_factory.mktemp("demo")
    first = run_demo(data_dir)
    assert first.returncode == 0, first.stderr[-3000:]
    return data_dir, first
