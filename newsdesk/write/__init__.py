"""Writing stories: one cited story per event from all its sources.

* ``plan`` — the story plan: numbered source sentences, cross-outlet units, salience, quotes;
* ``base`` — the ``Writer`` protocol, ``get_writer(settings)``, and ``finish`` (verification);
* ``extractive`` — the default, offline writer; ``scorer`` its fitted sentence weights;
* ``cleanup`` — debris, datelines and dangling references; ``headline`` — headlines;
* ``render`` — Markdown, HTML and JSON; ``conformance`` — the contract every writer passes;
* ``llm``, ``prompt``, ``llm_client`` — the optional LLM writer (docs/llm.md).
"""
