"""The command line: ``diacritics-fix [OPTIONS] [FILE|-]``.

This module only parses arguments, reads and writes files, and calls the
library.  Exit status: 0 when every input was restored, 1 when an input
failed (one clear line on stderr names it), 2 for a usage error.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

import click
import regex

from . import __version__
from .options import MODE_CHOICES, STYLE_CHOICES, Options
from .restorer import Change, Restorer

EXIT_OK, EXIT_INPUT_FAILED, EXIT_USAGE = 0, 1, 2


class InputError(Exception):
    """A user-facing problem with one input or output file."""


class DefaultCommandGroup(click.Group):
    """A group whose first argument is a subcommand only when it names one.

    ``diacritics-fix letter.txt`` restores the file; ``diacritics-fix learn …``
    would run the ``learn`` subcommand, and a file literally named like a
    subcommand is given as ``./learn``.
    """

    default_command = "restore"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        first = args[0] if args else None
        if first not in self.commands and first != "--version":
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


@click.group(cls=DefaultCommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="diacritics-fix")
def main() -> None:
    """Give Vietnamese text its diacritics back."""


def read_text(path: str) -> str:
    """Read a UTF-8 input (``-`` is standard input), keeping BOM and line endings."""
    try:
        if path == "-":
            data = sys.stdin.buffer.read()
        else:
            data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error.strerror or error}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(
            f"{display_name(path)}: not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})"
        ) from None


def display_name(path: str) -> str:
    return "<stdin>" if path == "-" else path


def write_atomically(path: Path, data: bytes, like: Path | None = None) -> None:
    """Write *data* to *path* through a temporary file and a rename: never half a file."""
    directory = path.parent if str(path.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if like is not None and like.exists():
            os.chmod(temporary, like.stat().st_mode & 0o7777)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise


_LINE_BREAK = regex.compile(r"\r\n|[\n\r\u2028\u2029\x0b\x0c\x85]")


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of *offset*, counting every kind of line break; a BOM takes no column."""
    line, line_start = 1, 0
    for match in _LINE_BREAK.finditer(text, 0, offset):
        line += 1
        line_start = match.end()
    column = offset - line_start + 1
    if line_start == 0 and text.startswith("\ufeff"):
        column -= 1
    return line, column


def format_change(name: str, text: str, change: Change, form: str) -> str:
    line, column = line_and_column(text, change.start)
    if form == "json":
        return json.dumps(
            {
                "file": name,
                "line": line,
                "column": column,
                "start": change.start,
                "end": change.end,
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


@main.command("restore")
@click.argument("file", required=False, default="-", metavar="[FILE|-]")
@click.option("-o", "--output", metavar="FILE", help="Write here instead of standard output.")
@click.option("--in-place", is_flag=True, help="Rewrite FILE atomically, keeping FILE.orig.")
@click.option("--no-backup", is_flag=True, help="With --in-place: keep no FILE.orig.")
@click.option("--style", type=click.Choice(STYLE_CHOICES), default="keep", show_default=True,
              help="Tone placement: keep the document's, or hòa (thủy, khỏe) / hoà (thuỷ, khoẻ) everywhere.")
@click.option("--mode", type=click.Choice(MODE_CHOICES), default="auto", show_default=True,
              help="auto decides per paragraph; stripped restores every unmarked word; clean only fills "
                   "in words whose unmarked spelling is not Vietnamese; ocr repairs OCR output.")
@click.option("--phrases", "phrase_files", multiple=True, metavar="FILE",
              help="Extra phrases, one a line (repeatable).")
@click.option("--mark-uncertain", is_flag=True,
              help="Wrap words whose reading is doubtful (confidence below --threshold) in the marker.")
@click.option("--threshold", type=click.FloatRange(0.0, 1.0), default=0.8, show_default=True,
              help="Confidence below which --mark-uncertain marks a word.")
@click.option("--marker", default="⟦…⟧", show_default=True, help="The marker; … stands for the word.")
@click.option("--explain", is_flag=True, help="Print each change on standard error.")
@click.option("--explain-format", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: one readable line per change; json: JSON Lines.")
def restore_command(file, output, in_place, no_backup, style, mode, phrase_files, mark_uncertain, threshold, marker,
                    explain, explain_format):
    """Restore the diacritics of FILE (standard input when absent or -).

    \b
    Examples:
      diacritics-fix letter.txt                  # print the restored text
      diacritics-fix letter.txt -o fixed.txt
      diacritics-fix --in-place letter.txt       # keeps letter.txt.orig
      cat letter.txt | diacritics-fix --explain > fixed.txt
    """
    if in_place and output:
        raise click.UsageError("--in-place and --output cannot be used together")
    if in_place and file == "-":
        raise click.UsageError("--in-place needs a file, not standard input")
    if no_backup and not in_place:
        raise click.UsageError("--no-backup only goes with --in-place")
    try:
        phrases = [line for path in phrase_files for line in _phrase_lines(path)]
        options = Options(style=style, mode=mode, phrases=tuple(phrases), mark_uncertain=mark_uncertain,
                          threshold=threshold, marker=marker)
        try:
            options.validate()
        except ValueError as error:
            raise click.BadParameter(str(error)) from None
        restorer = Restorer(options)
        text = read_text(file)
        if explain:
            restored, changes = restorer.restore_and_explain(text)
            name = display_name(file)
            for change in changes:
                click.echo(format_change(name, text, change, explain_format), err=True)
        else:
            restored = restorer.restore(text)
        _write_result(file, output, in_place, no_backup, restored.encode("utf-8"))
    except InputError as error:
        click.echo(f"diacritics-fix: {error}", err=True)
        sys.exit(EXIT_INPUT_FAILED)


def _phrase_lines(path: str) -> list[str]:
    text = read_text(path).lstrip("\ufeff")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def _write_result(file: str, output: str | None, in_place: bool, no_backup: bool, data: bytes) -> None:
    try:
        if in_place:
            target = Path(file)
            backup = target.with_name(target.name + ".orig")
            if not no_backup and not backup.exists():
                write_atomically(backup, target.read_bytes(), like=target)
            write_atomically(target, data, like=target)
        elif output and output != "-":
            write_atomically(Path(output), data)
        else:
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
    except OSError as error:
        where = file if in_place else output or "<stdout>"
        raise InputError(f"{where}: cannot write: {error.strerror or error}") from None


if __name__ == "__main__":  # pragma: no cover
    main()
