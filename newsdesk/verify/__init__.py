"""Verification: every published sentence checked against its cited sources, and where the
sources disagree.

* ``Verifier`` / ``verify``: one claim against a story's sources → ``Verdict``
  (``newsdesk.verify.checker``);
* ``verify_story``: a whole written story; unsupported sentences dropped or replaced, quotes
  checked verbatim (``newsdesk.verify.story``);
* ``find_conflicts``: facts on which outlets disagree (``newsdesk.verify.conflicts``).
"""

from newsdesk.verify.checker import (
    DEFAULT_CONFIG,
    CheckerConfig,
    Problem,
    SourceDoc,
    Verdict,
    Verifier,
    verify,
)
from newsdesk.verify.conflicts import find_conflicts
from newsdesk.verify.story import source_docs, verify_story

__all__ = ["DEFAULT_CONFIG", "CheckerConfig", "Problem", "SourceDoc", "Verdict", "Verifier",
           "find_conflicts", "source_docs", "verify", "verify_story"]
