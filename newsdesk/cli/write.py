"""``newsdesk summarize`` (a story from files or pages, no store needed) and
``newsdesk eval summarize`` (ROUGE against editors' summaries, baselines beside)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from newsdesk.cli.common import app, console, err_console, eval_app, fail, state
from newsdesk.models import Article
from newsdesk.settings import Settings

FORMATS = ("md", "json", "html")


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def gather_articles(inputs: list[str], allow_private: bool = False
                    ) -> tuple[list[Article], list[str]]:
    """Articles from paths (files or folders) and URLs, and a message per input that failed."""
    from newsdesk.ingest.errors import IngestError
    from newsdesk.ingest.fetch import FetchClient
    from newsdesk.ingest.files import find_files, read_file
    from newsdesk.ingest.pages import page_article

    articles: list[Article] = []
    problems: list[str] = []
    urls = [i for i in inputs if _is_url(i)]
    for item in inputs:
        if _is_url(item):
            continue
        path = Path(item).expanduser()
        try:
            files = find_files(path)
        except IngestError as exc:
            message = str(exc)
            problems.append(message if str(path) in message else f"{path}: {message}")
            continue
        if not files:
            problems.append(f"{path}: no .html, .htm, .txt, .md, .json or .jsonl files in it")
        for file in files:
            for record in read_file(file):
                if record.article is not None:
                    articles.append(record.article)
                else:
                    problems.append(f"{record.where}: {record.error}")
    if urls:
        fetch = state.settings.fetch
        if allow_private:
            from dataclasses import replace

            fetch = replace(fetch, allow_private=True)
        with FetchClient(fetch) as client:
            for url in urls:
                try:
                    articles.append(page_article(client, url))
                except IngestError as exc:
                    problems.append(f"{url}: {exc}")
    return articles, problems


def writer_options(settings: Settings, writer: str | None, llm_url: str | None,
                   llm_model: str | None) -> Settings:
    """Settings with the --writer / --llm-url / --llm-model flags applied (flags win)."""
    changes: dict[str, str] = {}
    if llm_url or llm_model:
        changes["writer"] = "llm"
    if writer:
        if writer not in ("extractive", "llm"):
            fail(f"unknown writer {writer!r}; use extractive or llm")
        if writer != "llm" and changes:
            fail("--llm-url and --llm-model need --writer llm")
        changes["writer"] = writer
    if llm_url:
        changes["base_url"] = llm_url
    if llm_model:
        changes["model"] = llm_model
    return settings.with_section("write", **changes) if changes else settings


@app.command("summarize")
def summarize(
    inputs: list[str] = typer.Argument(
        ..., metavar="PATH_OR_URL...",
        help="Articles about one event: files (.html, .txt, .md, .json, .jsonl), folders of "
        "them, or web page URLs. Mix freely."),
    words: int | None = typer.Option(
        None, "--words", "-w", min=20,
        help="Word budget for the lede and body together (default: write.words, 200). "
        "Sentences are never cut to fit."),
    fmt: str = typer.Option("md", "--format", "-f",
                            help="Output format: md (Markdown), json, or html (a fragment)."),
    output: Path | None = typer.Option(None, "--output", "-o",
                                       help="Write the story to this file instead of printing."),
    allow_private: bool = typer.Option(False, "--allow-private",
                                       help="Allow URLs on your own machine or network."),
    writer_name: str | None = typer.Option(
        None, "--writer", help="extractive (offline, the default) or llm (a language model "
        "behind an OpenAI-compatible API; every sentence it writes is verified; see "
        "docs/llm.md). Default: write.writer."),
    llm_url: str | None = typer.Option(
        None, "--llm-url", help="The model server's OpenAI API root, e.g. "
        "http://127.0.0.1:8080/v1 (implies --writer llm). Default: write.base_url."),
    llm_model: str | None = typer.Option(
        None, "--llm-model", help="The model name to ask for (implies --writer llm). "
        "Default: write.model."),
) -> None:
    """Write one cited story from the given articles — no store, nothing saved.

    Every sentence carries the numbers of the sources that state it (the source list at the
    end says which is which); the default, offline writer takes every sentence from the
    articles themselves. Example:

        newsdesk summarize report1.html report2.txt https://example.org/news/story
    """
    from newsdesk.write.base import get_writer
    from newsdesk.write.render import render

    if fmt not in FORMATS:
        fail(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
    settings = writer_options(state.settings, writer_name, llm_url, llm_model)
    articles, problems = gather_articles(inputs, allow_private)
    for problem in problems:
        err_console.print(f"[yellow]skipped:[/] {escape(problem)}")
    if not articles:
        fail("none of the inputs gave an article to write from"
             + ("" if problems else "; give files, folders or URLs of news articles"))
    try:
        writer = get_writer(settings)
    except ValueError as exc:
        fail(str(exc))
    with console.status(f"Writing from {len(articles)} article"
                        f"{'s' if len(articles) != 1 else ''}…"):
        story = writer.write(articles, words=words or settings.write.words)
    text = render(story, fmt)
    if output is not None:
        try:
            output.write_text(text, encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {output}: {exc.strerror or exc}")
        err_console.print(f"Wrote {output} ({len(story.body_sentences())} sentences from "
                          f"{len(story.sources)} sources).")
    else:
        typer.echo(text, nl=False)


def _budget(value: str) -> str | int:
    if value == "reference":
        return value
    try:
        words = int(value)
    except ValueError:
        raise typer.BadParameter("use 'reference' or a number of words") from None
    if words < 1:
        raise typer.BadParameter("the budget must be at least one word")
    return words


@eval_app.command("summarize")
def eval_summarize(
    file: str = typer.Argument(..., help="A summarization JSONL file, or its name in "
                               "../shared/eval (e.g. summarization_multinews_val250.jsonl)."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
    limit: int | None = typer.Option(None, "--limit", "-n", min=1, help="Only the first N rows."),
    budget: str = typer.Option("reference", "--budget",
                               help="'reference' (each editor's summary length in words) or a "
                               "fixed number of words."),
    systems: str = typer.Option(
        "newsdesk,lead,lexrank,textrank,lsa,centroid,oracle", "--systems",
        help="Comma-separated systems to run: newsdesk, lead, lexrank, textrank, lsa, "
        "centroid, oracle."),
    cache_dir: Path | None = typer.Option(
        None, "--cache-dir", help="Keep sentence embeddings here between runs (one .npz per "
        "dataset); without it everything is embedded afresh."),
    examples: int = typer.Option(0, "--examples", min=0,
                                 help="Also print the first N newsdesk stories beside the "
                                 "editor's summary."),
) -> None:
    """ROUGE-1/2/L of newsdesk's stories and of baselines on the same rows and budget.

    Scores are F1 × 100 (rouge-score, stemming on) of the lede and body — the text a reader
    reads — against each row's reference summary. Baselines: lead (round-robin first
    sentences), sumy LexRank/TextRank/LSA, MiniLM centroid+MMR; the greedy oracle is the
    ceiling. Also: seconds per story and the share of sentences opening with an unresolved
    reference; the gain over the best baseline comes with a paired bootstrap 95% interval.
    """
    from newsdesk.evaluation.common import resolve_dataset
    from newsdesk.evaluation.summarize import METRICS, SYSTEMS, evaluate

    try:
        dataset = resolve_dataset(file)
    except FileNotFoundError as exc:
        fail(str(exc))
    chosen = [s.strip() for s in systems.split(",") if s.strip()]
    unknown = [s for s in chosen if s not in SYSTEMS]
    if unknown:
        fail(f"unknown system(s) {', '.join(unknown)}; choose from {', '.join(SYSTEMS)}")
    words = _budget(budget)
    columns = (TextColumn("[progress.description]{task.description}"), BarColumn(),
               MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=err_console, transient=True) as progress:
        task = progress.add_task(f"Summarising {dataset.name}", total=None)

        def tick(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        try:
            report = evaluate(dataset, limit=limit, budget=words, systems=chosen,
                              cache_dir=cache_dir, progress=tick, examples=examples)
        except (KeyError, ValueError, json.JSONDecodeError) as exc:
            fail(f"{dataset}: not in the summarization format of ../shared/eval/README.md "
                 f"({exc})")
    figures = report.to_dict()
    if as_json:
        typer.echo(json.dumps(figures, indent=2))
        return
    table = Table(title=f"{dataset.name}: {report.rows} stories, budget {report.budget}",
                  caption="R-1/2/L: ROUGE F1 × 100. s/story: median seconds with the sentences "
                  "embedded (cold: embedding and parsing included). unresolved: sentences "
                  "opening with a reference nothing before them resolves.")
    for column in ("system", "R-1", "R-2", "R-L", "s/story", "cold", "words", "unresolved"):
        table.add_column(column, justify="left" if column == "system" else "right")
    for name, result in report.results.items():
        summary = result.summary()
        cold = summary.get("seconds_per_story_with_embedding")
        table.add_row(name + (" (ceiling)" if name == "oracle" else ""),
                      *(f"{summary[m]:.2f}" for m in METRICS),
                      f"{summary['seconds_per_story']:.3f}",
                      f"{cold:.3f}" if cold is not None else "",
                      f"{summary['words']:.0f}", f"{100 * summary['unresolved_share']:.1f}%")
    console.print(table)
    for metric, gain in figures.get("newsdesk_gain_over_best_baseline", {}).items():
        console.print(f"newsdesk − {gain['baseline']} on {metric}: {gain['gain']:+.2f} "
                      f"(95% CI {gain['ci_low']:+.2f} … {gain['ci_high']:+.2f})")
    if "newsdesk" in report.results:
        console.print(f"sentences without a citation: {report.results['newsdesk'].uncited}")
    if report.examples:
        from newsdesk.write.render import to_markdown

        for example in report.examples:
            console.rule(example["id"])
            console.print(escape(to_markdown(example["story"])))
            console.print("[bold]Editor's summary:[/]")
            console.print(escape(example["reference"]))
