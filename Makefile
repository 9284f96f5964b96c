# The two quick-start commands of the README. Both set everything up first.
.PHONY: demo test setup lint

setup:
	@scripts/setup

demo: setup
	@.venv/bin/newsdesk --data-dir newsdesk-data demo

test: setup
	@scripts/test

lint: setup
	@.venv/bin/ruff check newsdesk tests benchmarks
