"""The command line: ``diacritics-fix [OPTIONS] [FILE|FOLDER|-]...`` and ``diacritics-fix learn …``.

This module only parses arguments and calls the library (``batch.py`` reads,
restores and writes the files).  Exit status: 0 when every input was
restored, 1 when an input failed (one clear line on stderr names it), 2 for a
usage error, 130 when interrupted, 141 when standard output was closed by its
reader (``| head``), as for other Unix tools.
"""

from __future__ import annotations

import bisect
import json
import os
import signal
import sys
import time

import click

from . import __version__, batch
from .batch import LINE_BREAK, InputError
from .formats import FORMATS
from .options import MODE_CHOICES, STYLE_CHOICES, Options
from .restorer import Change, Restorer
from .review import write_review

EXIT_OK, EXIT_INPUT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
EXIT_OUTPUT_CLOSED = 128 + signal.SIGPIPE if hasattr(signal, "SIGPIPE") else 1
PROGRAM = "diacritics-fix"
SETTINGS = {"help_option_names": ["--help", "-h"], "max_content_width": 100}


class Program(click.Command):
    """The ``diacritics-fix`` command: it restores files (its own options and arguments),
    unless its first argument names one of its :attr:`commands` (``learn``), which then runs.

    A file literally named like a command is given as ``./learn``.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.commands: dict[str, click.Command] = {}

    def command(self, name: str, **settings):
        """A decorator that makes a function the command ``diacritics-fix NAME``."""
        def make(function) -> click.Command:
            command = click.command(name, context_settings=SETTINGS, **settings)(function)
            self.commands[name] = command
            return command
        return make

    def main(self, args=None, prog_name=None, **extra):
        args = list(sys.argv[1:] if args is None else args)
        prog_name = prog_name or PROGRAM
        if args and args[0] in self.commands:
            return self.commands[args[0]].main(args[1:], f"{prog_name} {args[0]}", **extra)
        return super().main(args, prog_name, **extra)

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The help: the usage of the program and of its commands, the options, the commands, examples."""
        self.format_usage(ctx, formatter)
        for name, command in self.commands.items():
            with click.Context(command, info_name=f"{ctx.command_path} {name}") as sub:
                formatter.write_usage(sub.command_path, " ".join(command.collect_usage_pieces(sub)), "       ")
        self.format_help_text(ctx, formatter)
        self.format_options(ctx, formatter)
        with formatter.section("Commands"):
            formatter.write_dl([(name, command.get_short_help_str(80)) for name, command in self.commands.items()])
        self.format_epilog(ctx, formatter)


def display_name(path: str) -> str:
    return "<stdin>" if path == "-" else path


def line_starts(text: str) -> list[int]:
    """Offsets where the lines of *text* start, counting every kind of line break."""
    return [0, *(match.end() for match in LINE_BREAK.finditer(text))]


def line_and_column(text: str, offset: int, starts: list[int] | None = None) -> tuple[int, int]:
    """1-based line and column of *offset*, counting every kind of line break; a BOM takes no column.

    *starts* is :func:`line_starts` of *text*, when already at hand.
    """
    starts = starts if starts is not None else line_starts(text)
    line = bisect.bisect_right(starts, offset)
    line_start = starts[line - 1]
    column = offset - line_start + 1
    if line_start == 0 and text.startswith("\ufeff"):
        column -= 1
    return line, column


def format_change(name: str, text: str, change: Change, form: str, first_line: int = 0, first_char: int = 0,
                  starts: list[int] | None = None) -> str:
    """One line of --explain output; *text* may be a block that starts after *first_line*
    lines and *first_char* characters of the input."""
    line, column = line_and_column(text, change.start, starts)
    line += first_line
    if form == "json":
        return json.dumps(
            {
                "file": name,
                "line": line,
                "column": column,
                "start": change.start + first_char,
                "end": change.end + first_char,
                "original": change.original,
                "restored": change.restored,
                "confidence": round(change.confidence, 4),
                "alternatives": [list(a) for a in change.alternatives],
                "reason": change.reason,
            },
            ensure_ascii=False,
        )
    others = ", ".join(f"{word} {p:.2f}" for word, p in change.alternatives)
    tail = f"; also {others}" if others else ""
    return f"{name}:{line}:{column}: {change.original} -> {change.restored} ({change.confidence:.2f}, {change.reason}{tail})"


@click.command(PROGRAM, cls=Program, context_settings=SETTINGS, epilog="""
\b
Examples:
  diacritics-fix letter.txt                   # print the restored text
  diacritics-fix letter.txt -o fixed.txt
  diacritics-fix --in-place letter.txt        # keeps letter.txt.orig
  cat letter.txt | diacritics-fix --explain > fixed.txt
  diacritics-fix archive/ -o fixed/ --jobs 0 --report report.jsonl
  diacritics-fix scan.pdf -o fixed.pdf --review review.html
  diacritics-fix learn archive/ -o my-model   # learn your own names and phrases
  diacritics-fix --model my-model scan.txt
""")
@click.version_option(__version__, prog_name=PROGRAM)
@click.argument("inputs", nargs=-1, metavar="[FILE|FOLDER|-]...")
@click.option("-o", "--output", metavar="FILE|FOLDER",
              help="Write here instead of standard output: a file for one input; a folder that mirrors the "
                   "inputs' tree for several inputs, a folder, or a name ending in /.")
@click.option("--in-place", is_flag=True,
              help="Rewrite each file atomically, keeping FILE.orig; files that need no change are left alone.")
@click.option("--no-backup", is_flag=True, help="With --in-place: keep no FILE.orig.")
@click.option("--glob", "globs", multiple=True, default=batch.DEFAULT_GLOBS, show_default=True, metavar="PATTERN",
              help="Which files of a folder to restore, in any case (repeatable).")
@click.option("--force", is_flag=True, help="Restore again what an earlier run did (re-running skips it).")
@click.option("-j", "--jobs", type=click.IntRange(min=0), default=1, show_default=True,
              help="Worker processes; 0: one per core. Large files are split among them.")
@click.option("--encoding", metavar="NAME",
              help="Read the inputs in this encoding instead of detecting it: utf-8, utf-16, cp1258, tcvn3, vni, "
                   "viscii, viqr, or a *-as-cp1252 mojibake form.")
@click.option("--format", "format_", type=click.Choice(["auto", *FORMATS]), default="auto", show_default=True,
              help="What the inputs are: auto recognises plain text, hOCR, ALTO, Tesseract TSV and PDF by content; "
                   "the output is in the input's format.")
@click.option("--review", "review_path", type=click.Path(dir_okay=False), metavar="FILE.html",
              help="Write a review page: every changed word highlighted by confidence, the original on hover.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False), metavar="FILE.jsonl",
              help="Write one JSON line per input: status, encoding, mode, words, changes, time, error. "
                   "Given again, a rerun keeps the records of the files it skips.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar, no summary line.")
@click.option("--style", type=click.Choice(STYLE_CHOICES), default="keep", show_default=True,
              help="Tone placement: keep the document's, or hòa (thủy, khỏe) / hoà (thuỷ, khoẻ) everywhere.")
@click.option("--mode", type=click.Choice(MODE_CHOICES), default="auto", show_default=True,
              help="auto decides per paragraph; stripped restores every unmarked word; clean only fills "
                   "in words whose unmarked spelling is not Vietnamese; ocr repairs OCR output.")
@click.option("--phrases", "phrase_files", multiple=True, metavar="FILE",
              help="Extra phrases, one a line (repeatable).")
@click.option("--lexicon", "lexicon_files", multiple=True, metavar="FILE",
              help="Your words, one a line (repeatable): several syllables act as a phrase, one joins the vocabulary.")
@click.option("--model", "model_folders", multiple=True, metavar="MODEL",
              help="A model learned from your own text with 'diacritics-fix learn' (repeatable).")
@click.option("--model-weight", type=click.FloatRange(0.0, 1.0, max_open=True), default=Options().model_weight,
              show_default=True, help="Weight of the --model models against the shipped one.")
@click.option("--adapt", is_flag=True,
              help="Restore twice: the second pass also learns from what the first was sure of.")
@click.option("--mark-uncertain", is_flag=True,
              help="Wrap words whose reading is doubtful (confidence below --threshold) in the marker.")
@click.option("--threshold", type=click.FloatRange(0.0, 1.0), default=0.8, show_default=True,
              help="Confidence below which --mark-uncertain marks a word.")
@click.option("--marker", default="⟦…⟧", show_default=True, help="The marker; … stands for the word.")
@click.option("--explain", is_flag=True, help="Print each change on standard error (one input only; in an OCR "
              "file, lines and columns of its words' text as the page reads).")
@click.option("--explain-format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: one readable line per change; json: JSON Lines.")
def main(inputs, output, in_place, no_backup, globs, force, jobs, encoding, format_, review_path, report_path, quiet,
         style, mode, phrase_files, lexicon_files, model_folders, model_weight, adapt, mark_uncertain, threshold,
         marker, explain, explain_format):
    """Give Vietnamese text its diacritics back: restore FILEs and the files of FOLDERs
    (standard input when none is given, or -): plain text, hOCR, ALTO, Tesseract TSV and searchable PDFs."""
    if no_backup and not in_place:
        raise click.UsageError("--no-backup only goes with --in-place")
    try:
        encoding = batch.canonical_encoding(encoding)
    except LookupError as error:
        raise click.BadParameter(str(error), param_hint="--encoding") from None
    earlier = batch.read_report(report_path) if report_path is not None else {}
    try:
        plan = batch.plan(inputs, output, in_place, not no_backup, globs, force, earlier)
    except batch.UsageError as error:
        raise click.UsageError(str(error)) from None
    if explain and plan.batch:
        raise click.UsageError("--explain works on one input")
    try:
        phrases = [line for path in phrase_files for line in _phrase_lines(path)]
        lexicon = [line for path in lexicon_files for line in _phrase_lines(path)]
        options = Options(style=style, mode=mode, phrases=tuple(phrases), mark_uncertain=mark_uncertain,
                          threshold=threshold, marker=marker, lexicon=tuple(lexicon), models=model_folders,
                          model_weight=model_weight)
        try:
            options.validate()
        except ValueError as error:
            raise click.BadParameter(str(error)) from None
        restorer = _load_restorer(options)
    except InputError as error:
        click.echo(f"diacritics-fix: {error}", err=True)
        sys.exit(EXIT_INPUT_FAILED)
    report = None
    if report_path is not None:
        try:
            report = batch.Report(report_path, earlier)
        except OSError as error:
            raise click.BadParameter(f"{report_path}: {error.strerror or error}", param_hint="--report") from None
    settings = batch.Settings(options, encoding, details=report is not None, adapt=adapt,
                              format=None if format_ == "auto" else format_, review=review_path is not None)
    hook = _explainer(display_name(plan.tasks[0].source), explain_format) if explain else None
    records: list[batch.Record] = []
    try:
        status = _restore_all(plan, settings, jobs, restorer, report, quiet, hook, records)
    finally:
        if report is not None:
            report.close()
    if review_path is not None:
        try:
            write_review(review_path, records, threshold)
        except OSError as error:
            click.echo(f"diacritics-fix: cannot write {review_path}: {error.strerror or error}", err=True)
            status = max(status, EXIT_INPUT_FAILED)
    sys.exit(status)


def _explainer(name: str, form: str) -> batch.ExplainHook:
    def show(text: str, changes: list[Change], first_line: int, first_char: int) -> None:
        starts = line_starts(text)
        for change in changes:
            click.echo(format_change(name, text, change, form, first_line, first_char, starts), err=True)
    return show


def _restore_all(plan: batch.Plan, settings: batch.Settings, jobs: int, restorer: Restorer, report, quiet: bool,
                 explain: batch.ExplainHook | None, records: list[batch.Record]) -> int:
    """Run the plan: a message per failed input, the report, progress and a summary; the exit status.
    The records of the inputs done are added to *records*."""
    work = [task for task in plan.tasks if batch.settled_record(task) is None]
    progress = batch.ProgressBar(sys.stderr, len(plan.tasks), sum(task.size for task in work),
                                 enabled=not quiet and sys.stderr.isatty())
    started = time.monotonic()
    try:
        for record in batch.run(plan.tasks, settings, jobs, progress.counters, explain, restorer):
            records.append(record)
            progress.file_done()
            if report is not None:
                report.add(record)
            if record.status == batch.ERROR or (record.status == batch.SKIPPED and not batch.resumed(record)):
                progress.echo(f"diacritics-fix: {display_name(record.path)}: {record.error}")
            for note in record.notes:
                progress.echo(f"diacritics-fix: {display_name(record.path)}: {note}")
    except KeyboardInterrupt:
        progress.clear()
        again = "; run the same command again to resume" if plan.batch else ""
        click.echo(f"diacritics-fix: interrupted after {len(records)} of {len(plan.tasks)} inputs{again}", err=True)
        return EXIT_INTERRUPTED
    except batch.OutputClosed:
        _quiet_stdout()
        return EXIT_OUTPUT_CLOSED
    progress.clear()
    if plan.batch and not quiet:
        click.echo("diacritics-fix: " + batch.summary(records, time.monotonic() - started), err=True)
    return EXIT_INPUT_FAILED if any(record.status == batch.ERROR for record in records) else EXIT_OK


def _quiet_stdout() -> None:
    """Standard output's reader has gone: point it at /dev/null, so that exiting flushes quietly."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass  # not a real file (a test's capture)


def _load_restorer(options: Options) -> Restorer:
    """A restorer with its data loaded: a --model that is no model is an input error, named."""
    restorer = Restorer(options)
    try:
        restorer.model
    except ValueError as error:
        raise InputError(str(error)) from None
    return restorer


@main.command("learn", short_help="Learn the names and phrases of your own correctly written text.")
@click.argument("corpus", nargs=-1, required=True, metavar="CORPUS...")
@click.option("-o", "--output", required=True, metavar="MODEL", help="The model folder to write.")
@click.option("--force", is_flag=True, help="Replace the model folder if it exists.")
@click.option("--progress/--no-progress", default=None,
              help="A progress bar on standard error (default: when it is a terminal).")
def learn_command(corpus, output, force, progress):
    """Learn a model from your own correctly written Vietnamese text (files, folders, glob patterns).

    \b
    Examples:
      diacritics-fix learn archive/ -o my-model
      diacritics-fix learn 'letters/**/*.txt' notes.txt -o my-model
      diacritics-fix --model my-model scan.txt
    """
    from .learn import LearnError, learn, total_bytes

    try:
        if progress is None:
            progress = sys.stderr.isatty()
        if progress:
            with click.progressbar(length=total_bytes(corpus), label="learning", file=sys.stderr) as bar:
                manifest = learn(corpus, output, progress=bar.update, force=force)
        else:
            manifest = learn(corpus, output, force=force)
    except LearnError as error:
        click.echo(f"diacritics-fix: {error}", err=True)
        sys.exit(EXIT_INPUT_FAILED)
    counts = manifest["counts"]
    click.echo(f"{output}: {counts['words']:,} words from {len(manifest['sources'])} files; "
               f"{counts['syllables']:,} syllables, {counts['bigrams']:,} pairs, {counts['trigrams']:,} triples, {counts['phrases']:,} phrases, "
               f"{counts['names']:,} names", err=True)


def _phrase_lines(path: str) -> list[str]:
    """The entries of a phrase list or lexicon, read as inputs are; an InputError names the file."""
    try:
        text = batch.read_document(path).lstrip("\ufeff")
    except InputError as error:
        raise InputError(f"{display_name(path)}: {error}") from None
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


if __name__ == "__main__":  # pragma: no cover
    main()
