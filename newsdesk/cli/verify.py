"""`newsdesk verify` (check a stored story again) and `newsdesk eval verify` (measure the checker)."""

from __future__ import annotations

import json

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from newsdesk.cli.common import app, console, eval_app, fail, open_store


@eval_app.command("verify")
def eval_verify(
    file: str = typer.Argument(
        ..., help="A consistency JSONL file (document, summary_sentence, label), e.g. "
        "consistency_qags.jsonl; a bare name is looked up in ../shared/eval."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON only."),
    limit: int | None = typer.Option(None, "--limit", min=1,
                                     help="Use only the first N rows (quick looks)."),
    calibrate: bool = typer.Option(
        False, "--calibrate",
        help="Also print each baseline's best threshold on THIS file (how the fixed baseline "
        "thresholds were chosen on consistency_qags.jsonl)."),
    errors: int = typer.Option(0, "--errors", min=0,
                               help="Also list N rows newsdesk got wrong, with its reasons."),
) -> None:
    """Measure the claim checker: balanced accuracy and ROC AUC, beside baselines.

    Every row's document is one source; its summary is split into sentences and each is
    checked (the row passes when all do). In the same run, on the same rows: unigram and
    bigram overlap and the embedding max-similarity baseline, with thresholds chosen on
    consistency_qags.jsonl and applied unchanged here. newsdesk uses its one fixed
    configuration, chosen on the same file.
    """
    from newsdesk.evaluation.common import resolve_dataset
    from newsdesk.evaluation.verify import calibrate as best_thresholds
    from newsdesk.evaluation.verify import figures, load_rows, score_rows

    try:
        path = resolve_dataset(file)
        rows = load_rows(path, limit)
    except (FileNotFoundError, ValueError) as exc:
        fail(str(exc))
        return
    if not rows:
        fail(f"{path} has no rows")
    with Progress(TextColumn("checking {task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeRemainingColumn(), console=console, transient=True,
                  disable=as_json) as progress:
        task = progress.add_task(path.name, total=len(rows))
        results = score_rows(rows, progress=lambda n: progress.advance(task, n))
    fig = figures(results)
    if as_json:
        typer.echo(json.dumps(fig, indent=2))
        return
    table = Table(title=f"{path.name}: {len(rows)} rows "
                  f"({sum(r.label for r in results)} supported)")
    table.add_column("method")
    table.add_column("balanced accuracy", justify="right")
    table.add_column("ROC AUC", justify="right")
    table.add_column("threshold (from QAGS)", justify="right")
    for method, values in fig.items():
        table.add_row(method, f"{values['balanced_accuracy']:.3f}", f"{values['roc_auc']:.3f}",
                      "fixed config" if method == "newsdesk" else f"{values['threshold']:.3f}")
    console.print(table)
    if calibrate:
        console.print("best thresholds on this file: " + ", ".join(
            f"{m} {t:.3f}" for m, t in best_thresholds(results).items()))
    if errors:
        wrong = [(row, r) for row, r in zip(rows, results, strict=True)
                 if r.supported != bool(r.label)]
        for row, r in wrong[:errors]:
            kind = "false rejection" if r.label else "missed error"
            console.print(f"[bold]{kind}[/] (score {r.scores['newsdesk']:.2f}): "
                          f"{row['summary_sentence'][:200]}")
            if r.reasons:
                console.print(f"   reason: {r.reasons[0]}")


@app.command("verify")
def verify_command(
    story_id: int = typer.Argument(..., help="The story id `newsdesk stories list` shows."),
    as_json: bool = typer.Option(False, "--json", help="Print the verdicts as JSON."),
) -> None:
    """Check every sentence and quote of a stored story against its sources again.

    Prints each sentence with its verdict and, when it fails, why ("'Saturday' not in the cited
    sources; sources say Monday [2]"). The stored story is not changed.
    """
    from newsdesk.verify.checker import Verifier
    from newsdesk.verify.story import _default_embedder, check_quote, source_docs

    with open_store() as store:
        version = store.latest_version(story_id)
        if version is None:
            fail(f"story {story_id} has no written version yet; run `newsdesk stories list` "
                 "to see the stories, or write it first")
            return
        story = version.story
        ids = [s.article_id for s in story.sources if s.article_id is not None]
        articles = store.get_articles(list(dict.fromkeys(ids)))
        docs = source_docs(story.sources, articles)
        if not docs:
            fail(f"the sources of story {story_id} are no longer in the store")
        verifier = Verifier(docs, embedder=_default_embedder(), store=store)
        sentences = story.all_sentences()
        verdicts = verifier.check_many([(s.text, s.citations or None) for s in sentences])
        numbers = {s.number for s in story.sources}
        quote_problems = [check_quote(q, verifier, numbers) for q in story.quotes]
    if as_json:
        typer.echo(json.dumps({
            "story_id": story_id,
            "sentences": [{"text": s.text, "citations": s.citations, "supported": v.supported,
                           "score": round(v.score, 3), "reason": v.reason}
                          for s, v in zip(sentences, verdicts, strict=True)],
            "quotes": [{"text": q.text, "speaker": q.speaker, "ok": not p, "reason": p}
                       for q, p in zip(story.quotes, quote_problems, strict=True)],
        }, indent=2))
        return
    bad = 0
    for s, v in zip(sentences, verdicts, strict=True):
        marks = "".join(f"[{n}]" for n in s.citations)
        if v.supported:
            console.print(f"[green]✓[/] {s.text} {marks}")
        else:
            bad += 1
            console.print(f"[red]✗[/] {s.text} {marks}\n    [red]{v.reason}[/]")
    for q, p in zip(story.quotes, quote_problems, strict=True):
        if p:
            bad += 1
            console.print(f"[red]✗ quote[/] “{q.text}” — {q.speaker}: [red]{p}[/]")
    console.print(f"{len(sentences) - sum(1 for v in verdicts if not v.supported)} of "
                  f"{len(sentences)} sentences supported; {bad} problem(s).")
    if bad:
        raise typer.Exit(1)
