# SPDX-License-Identifier: GPL-3.0-or-later
"""Restore many files: inputs walked, outputs planned, worker processes, resume, report.

The command line's work happens here; ``cli.py`` only parses arguments.

* :func:`plan` turns the inputs (files, folders, ``-``) into :class:`Task` s in a
  fixed order, with their outputs (a file, a folder mirroring the inputs' tree,
  the input itself, or standard output) and what the resume rules settle.
* :class:`Worker` restores one task: it reads the bytes in blocks of lines
  (:func:`byte_blocks`), finds the encoding (:mod:`.encodings`), restores each
  block and writes UTF-8 through a temporary file renamed over the output
  (:class:`AtomicFile`), so memory stays bounded and no output is ever half
  written.
* :func:`run` restores the tasks in this process or in a pool of processes,
  each with one :class:`~diacritics_fix.Restorer` loaded once, and yields a
  :class:`Record` per task in task order: the output never depends on the
  number of processes.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "thong-bao.txt").write_text("Ban Thuong vu Thanh uy\\n", encoding="utf-8")
>>> plan_ = plan([str(folder)], output=str(folder / "out"))
>>> [record.status for record in run(plan_.tasks, Settings())]
['ok']
>>> (folder / "out" / "thong-bao.txt").read_text(encoding="utf-8")
'Ban Thường vụ Thành ủy\\n'
"""

from __future__ import annotations

import codecs
import contextlib
import fnmatch
import itertools
import json
import multiprocessing
import os
import re
import signal
import stat
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import IO, Callable, Iterable, Iterator, NamedTuple

from .encodings import BinaryFileError, UndecodableError, decode_document
from .formats import HEAD_SIZE, FormatError, NotRewritable, detect, restore_document
from .options import Options
from .restorer import Change, Restorer
from .review import review_lines

#: Files taken from folders unless ``--glob`` says otherwise (these in any case: ``*.PDF`` too).
DEFAULT_GLOBS = ("*.txt", "*.hocr", "*.html", "*.htm", "*.xml", "*.tsv", "*.pdf")
#: Blocks of about this many bytes are restored at a time (cut at line breaks).
BLOCK_SIZE = 256 * 1024

OK, SKIPPED, ERROR = "ok", "skipped", "error"
#: Why a task is skipped.
UP_TO_DATE = "the output is newer than the input (--force restores it again)"
RESTORED_BEFORE = "{backup} exists: restored before (--force restores it again)"
EMPTY = "empty file: nothing to restore"


class UsageError(Exception):
    """The inputs and outputs asked for do not go together (a usage error)."""


class InputError(Exception):
    """A user-facing problem with one input or output file: reported, and the batch goes on."""


# ---------------------------------------------------------------------------
# Planning: which files, where they go, what resume settles.
# ---------------------------------------------------------------------------

class Task(NamedTuple):
    """One input and where its restored text goes.

    ``target`` is ``None`` for standard output and the input itself with
    ``in_place``; ``skip`` or ``error`` settle the task without restoring it.
    """

    source: str
    target: str | None
    in_place: bool = False
    backup: bool = True
    make_parents: bool = False
    size: int = 0
    skip: str | None = None
    error: str | None = None


class Plan(NamedTuple):
    """The tasks of a run, in the order they are reported."""

    tasks: list[Task]
    #: Several inputs, a folder or an output folder: resume rules apply, a summary is printed.
    batch: bool


def _is_folder_name(output: str) -> bool:
    return output.endswith(("/", os.sep)) or os.path.isdir(output)


def find_files(folder: str, globs: Iterable[str] = DEFAULT_GLOBS, exclude: Iterable[str] = ()) -> Iterator[str]:
    """Files under *folder* whose names match a glob, sorted; backups (``*.orig``) and the
    folders *exclude* (real paths) left out.  Symbolic links to folders are not followed."""
    globs, exclude = tuple(globs), set(exclude)
    fold = globs == DEFAULT_GLOBS  # the default extensions in any case; --glob patterns as written
    for top, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if os.path.realpath(os.path.join(top, d)) not in exclude)
        for name in sorted(files):
            if name.endswith(".orig") or not any(fnmatch.fnmatchcase(name.lower() if fold else name, g) for g in globs):
                continue
            yield os.path.join(top, name)


def plan(inputs: Iterable[str], output: str | None = None, in_place: bool = False, backup: bool = True,
         globs: Iterable[str] = DEFAULT_GLOBS, force: bool = False) -> Plan:
    """The tasks for *inputs* (files, folders, or ``-`` for standard input), in a fixed order.

    With one file (or ``-``) the output is standard output, the file *output*
    or the file itself (*in_place*), as always.  With several inputs, a folder,
    or an *output* ending in ``/`` (or naming a folder), *output* is a folder
    that mirrors the tree below the inputs' deepest common folder, and re-running
    resumes: a task whose output is newer than its input, or whose ``FILE.orig``
    exists (in place), is skipped unless *force*.

    Raises :class:`UsageError` when the inputs and outputs do not go together.
    """
    inputs = list(inputs) or ["-"]
    globs = tuple(globs) or DEFAULT_GLOBS
    if in_place and output is not None:
        raise UsageError("--in-place and --output cannot be used together")
    if "-" in inputs and len(inputs) > 1:
        raise UsageError("standard input (-) cannot be restored together with other inputs")
    if in_place and inputs == ["-"]:
        raise UsageError("--in-place needs a file, not standard input")
    folders = [path for path in inputs if path != "-" and os.path.isdir(path)]
    to_folder = output is not None and output != "-" and _is_folder_name(output)
    batch = len(inputs) > 1 or bool(folders) or to_folder
    if not batch:
        return Plan([_single_task(inputs[0], output, in_place, backup)], False)
    if output in (None, "-") and not in_place:
        if len(inputs) == 1:  # one folder: nothing to print it to
            reason = "is a folder: give -o OUTDIR or --in-place to restore the files in it"
            return Plan([Task(inputs[0], None, error=reason)], False)
        raise UsageError("several inputs need -o OUTDIR or --in-place")
    if "-" in inputs:
        raise UsageError("standard input cannot be restored into a folder")
    out_real = os.path.realpath(output) if output is not None else None
    if out_real is not None:
        if os.path.exists(output) and not os.path.isdir(output):
            raise UsageError(f"-o {output}: not a folder (several inputs or a folder go into a folder)")
        if any(os.path.realpath(folder) == out_real for folder in folders):
            raise UsageError(f"-o {output} is an input folder: use --in-place to rewrite its files")
    bases = [os.path.abspath(path if path in folders else os.path.dirname(os.path.abspath(path)))
             for path in inputs]
    root = os.path.commonpath(bases)
    exclude = {out_real} if out_real is not None else set()
    tasks: list[Task] = []
    seen: set[str] = set()
    for path in inputs:
        files = find_files(path, globs, exclude) if path in folders else [path]
        for source in files:
            absolute = os.path.abspath(source)
            if absolute in seen:
                continue
            seen.add(absolute)
            if in_place:
                tasks.append(settle(Task(source, source, True, backup), force))
            else:
                target = os.path.join(output, os.path.relpath(absolute, root))
                tasks.append(settle(Task(source, target, make_parents=True), force))
    return Plan(tasks, True)


def _single_task(source: str, output: str | None, in_place: bool, backup: bool) -> Task:
    size = os.path.getsize(source) if source != "-" and os.path.isfile(source) else 0
    if in_place:
        return Task(source, source, True, backup, size=size)
    return Task(source, None if output in (None, "-") else output, size=size)


def settle(task: Task, force: bool) -> Task:
    """The task with its size, and what the resume rules and a look at the input settle."""
    try:
        source = os.stat(task.source)
    except OSError:
        return task  # reading it will tell what is wrong, in the words of the error
    task = task._replace(size=source.st_size)
    if source.st_size == 0 and os.path.isfile(task.source):
        return task._replace(skip=EMPTY)
    if task.target is None:
        return task
    if not task.in_place and os.path.realpath(task.target) == os.path.realpath(task.source):
        return task._replace(error=f"the output {task.target} would overwrite the input")
    if force:
        return task
    if task.in_place:
        backup = task.source + ".orig"
        if task.backup and os.path.lexists(backup):
            return task._replace(skip=RESTORED_BEFORE.format(backup=backup))
        return task
    try:
        target = os.stat(task.target)
    except OSError:
        return task
    if stat.S_ISREG(target.st_mode) and target.st_mtime_ns > source.st_mtime_ns:
        return task._replace(skip=UP_TO_DATE)
    return task


# ---------------------------------------------------------------------------
# Reading: bytes in blocks of lines, decoded.
# ---------------------------------------------------------------------------

_BREAK = re.compile(rb"\r\n?|\n")


def _cut(pending: bytearray, size: int) -> int | None:
    """Where the block that starts *pending* ends, or None when more bytes are needed.

    After the last blank line of its second half, or else after its last line
    break, within the first *size* bytes; a longer line is a block of its own.
    Cuts depend on the bytes alone, never on how reads happened to return them.
    """
    window = bytes(pending[:size])
    blank = max((found + len(mark) for mark in (b"\n\n", b"\n\r\n") if (found := window.rfind(mark)) >= 0),
                default=0)
    if blank >= size // 2:
        return blank
    newline = window.rfind(b"\n")
    if newline >= 0:
        return newline + 1
    carriage = window.rfind(b"\r")  # old Mac files: CR alone
    if carriage >= 0:
        if carriage + 1 >= len(pending):
            return None  # a LF may follow
        return carriage + 2 if pending[carriage + 1] == 0x0A else carriage + 1
    match = _BREAK.search(pending, size)
    return match.end() if match and match.end() < len(pending) else None


def byte_blocks(stream: IO[bytes], size: int = BLOCK_SIZE, head: bytes = b"") -> Iterator[bytes]:
    """The bytes of *stream* (after *head*) in blocks of about *size*, each ending after a line break.

    >>> import io
    >>> list(byte_blocks(io.BytesIO(b"Dieu 1.\\nDieu 2.\\n\\nDieu 3."), size=12))
    [b'Dieu 1.\\n', b'Dieu 2.\\n\\n', b'Dieu 3.']
    """
    pending = bytearray(head)
    while True:
        data = stream.read(size)
        pending += data
        while len(pending) >= size:
            cut = _cut(pending, size)
            if cut is None:
                break
            yield bytes(pending[:cut])
            del pending[:cut]
        if not data:
            if pending:
                yield bytes(pending)
            return


_WIDE_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)


def text_blocks(stream: IO[bytes], encoding: str | None = None, size: int = BLOCK_SIZE
                ) -> Iterator[tuple[str, str, int]]:
    """(text, encoding, bytes read) of each block of *stream*, decoded to NFC.

    The encoding is found on the first block that is not plain ASCII (*encoding*
    forces one) and then holds for the rest of the file.  Raises
    :class:`~diacritics_fix.encodings.UndecodableError` (or its
    ``BinaryFileError``) naming the first byte that does not fit.

    >>> import io
    >>> [(text, name) for text, name, _ in text_blocks(io.BytesIO("Céng hßa".encode("cp1252")))]
    [('Cộng hòa', 'tcvn3')]
    """
    head = stream.read(4)
    wide = encoding if encoding in ("utf-16", "utf-32") else None
    if encoding is None:
        wide = next((name for bom, name in _WIDE_BOMS if head.startswith(bom)), None)
    if wide is not None:
        yield from _wide_blocks(stream, head, wide, size)
        return
    found = encoding
    offset = 0
    for block in byte_blocks(stream, size, head):
        if found is None:
            # Not known yet: ASCII so far.  A later block is read on its own; the
            # newline before it keeps it from looking like the start of a binary file.
            data = block if offset == 0 else b"\n" + block
            try:
                text, name = decode_document(data)
            except UndecodableError as error:
                raise _at(error, offset - len(data) + len(block)) from None
            text = text[len(data) - len(block):]
            if not block.isascii():
                found = name
        else:
            nul = block.find(b"\x00")
            if nul >= 0:
                raise BinaryFileError(f"binary data: NUL byte at offset {offset + nul}, not a text file", offset + nul)
            try:
                text, name = decode_document(block, encoding=found)
            except UndecodableError as error:
                raise _at(error, offset) from None
        yield text, name, len(block)
        offset += len(block)


def _at(error: UndecodableError, offset: int) -> UndecodableError:
    """*error* of a block that starts at byte *offset* of the file, with its offset in the file."""
    if offset <= 0 or error.offset is None:
        return error
    where = offset + error.offset
    return type(error)(str(error).replace(f"offset {error.offset}", f"offset {where}", 1), where)


def _wide_blocks(stream: IO[bytes], head: bytes, name: str, size: int) -> Iterator[tuple[str, str, int]]:
    """UTF-16 and UTF-32: decoded incrementally, cut after line breaks, composed like the rest."""
    decoder = codecs.getincrementaldecoder(name)()
    pending = "\ufeff" if any(head.startswith(mark) for mark, _ in _WIDE_BOMS) else ""
    offset = read = 0
    data = head
    while True:
        try:
            pending += decoder.decode(data, final=not data)
        except UnicodeDecodeError as error:
            raise UndecodableError(f"not {name.upper()}: {error.reason} near byte offset {offset}", offset) from None
        offset += len(data)
        cut = pending.rfind("\n", 0, size) + 1 if data else len(pending)
        if cut == 0 and len(pending) > size:
            cut = pending.find("\n", size) + 1
        if cut > 0:
            piece, pending = pending[:cut], pending[cut:]
            # As decode_document reads these files: letters with combining marks composed.
            yield decode_document(piece.encode("utf-8"), encoding="utf-8").text, name, offset - read
            read = offset
        if not data:
            return
        data = stream.read(size)


def canonical_encoding(name: str | None) -> str | None:
    """The name :func:`~diacritics_fix.encodings.decode_document` gives *name*; LookupError if unknown.

    >>> canonical_encoding("Windows-1258"), canonical_encoding("UTF16")
    ('cp1258', 'utf-16')
    """
    return None if name is None else decode_document(b"", encoding=name).encoding


# ---------------------------------------------------------------------------
# Writing: all or nothing.
# ---------------------------------------------------------------------------

@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Ctrl-C and SIGTERM wait until the block is done (renames must happen together)."""
    held = {signal.SIGINT, signal.SIGTERM}
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


# Read once, at import: reading it means setting it, which threads must not race on.
_UMASK = _umask()


class AtomicFile:
    """A file written under a temporary name beside *path* and renamed over it by :meth:`commit`.

    Leaving the ``with`` block without committing (an error, Ctrl-C) removes
    the temporary file: *path* is either untouched or completely written.
    """

    def __init__(self, path: Path, mode: int | None = None, make_parents: bool = False) -> None:
        self.path = path
        self.mode = mode if mode is not None else 0o666 & ~_UMASK
        self.make_parents = make_parents
        self._temporary: str | None = None
        self._file: IO[bytes] | None = None

    def open(self) -> "AtomicFile":
        """Create the temporary file (and with *make_parents* the folders); ``with`` does it too."""
        directory = self.path.parent if str(self.path.parent) else Path(".")
        if self.make_parents:
            directory.mkdir(parents=True, exist_ok=True)
        handle, self._temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=directory)
        self._file = os.fdopen(handle, "wb")
        return self

    def __enter__(self) -> "AtomicFile":
        return self if self._file is not None else self.open()

    def write(self, data: bytes) -> None:
        assert self._file is not None
        self._file.write(data)

    def commit(self, backup_of: Path | None = None) -> None:
        """Put the new file in place; with *backup_of*, keep that file's old content as ``.orig`` first.

        An existing ``.orig`` is never overwritten.
        """
        assert self._file is not None and self._temporary is not None
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.chmod(self._temporary, self.mode)
        with _signals_held():
            if backup_of is not None:
                _keep_backup(backup_of)
            os.replace(self._temporary, self.path)
        self._temporary = None

    def __exit__(self, *exc_info) -> None:
        if self._file is not None and not self._file.closed:
            self._file.close()
        if self._temporary is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._temporary)
            self._temporary = None


def _keep_backup(path: Path) -> None:
    """``path.orig`` made to hold *path*'s present content, unless it exists: a hard link, or a copy."""
    backup = path.with_name(path.name + ".orig")
    if os.path.lexists(backup):
        return
    try:
        os.link(path, backup)
        return
    except FileExistsError:
        return
    except OSError:
        pass  # no hard links here: copy
    with AtomicFile(backup, mode=path.stat().st_mode & 0o7777) as copy, open(path, "rb") as original:
        for data in iter(lambda: original.read(1 << 20), b""):
            copy.write(data)
        copy.commit()


# ---------------------------------------------------------------------------
# Restoring one task.
# ---------------------------------------------------------------------------

class Record(NamedTuple):
    """What happened to one input: a line of the ``--report``."""

    path: str
    output: str | None
    status: str  # ok, skipped or error
    encoding: str | None = None
    mode: str | None = None  # clean, stripped or ocr: how most of its words were read
    words: int = 0
    changed: int | None = None  # words rewritten (with details)
    uncertain: int | None = None  # changes with a confidence below the threshold (with details)
    seconds: float = 0.0
    error: str | None = None  # why it failed or was skipped
    format: str | None = None  # text, hocr, alto, tsv or pdf
    notes: tuple[str, ...] = ()  # parts of the file left alone, and why ("page 3: no text layer")
    review: tuple = ()  # its changed lines for the review page (review.ReviewLine), with Settings.review

    def fields(self) -> dict:
        """The fields of a ``--report`` line (the review lines are for the review page)."""
        fields = self._asdict()
        fields["notes"] = list(self.notes)
        del fields["review"]
        return fields

    def to_json(self) -> str:
        fields = self.fields()
        fields["seconds"] = round(self.seconds, 3)
        return json.dumps(fields, ensure_ascii=False)


class Settings(NamedTuple):
    """What every worker needs to know: how to restore, how to read, what to count."""

    options: Options = Options()
    #: Force this input encoding (a name :func:`~diacritics_fix.encodings.decode_document` knows).
    encoding: str | None = None
    #: Count changed and uncertain words and the mode per file (for the report; slower:
    #: every restored word's confidence is weighed).
    details: bool = False
    #: Restore each block twice, the second time also with what the first pass was sure of
    #: (:func:`~diacritics_fix.learn.adapted_restorer`).
    adapt: bool = False
    block_size: int = BLOCK_SIZE
    #: Read every input as this format (``formats.FORMATS``) instead of recognising it.
    format: str | None = None
    #: Keep each file's changed lines for the review page (``review.py``).
    review: bool = False
    #: Let the OCR engine's word confidences (hOCR, ALTO, TSV) weigh in.
    engine_confidence: bool = True


class Counters:
    """Bytes and words done so far, for the progress bar; *listener* is told of each addition."""

    def __init__(self, listener: Callable[[], None] | None = None) -> None:
        self.bytes = self.words = 0
        self.listener = listener

    def add(self, nbytes: int, nwords: int) -> None:
        self.bytes += nbytes
        self.words += nwords
        if self.listener is not None:
            self.listener()


class SharedCounters:
    """:class:`Counters` shared by worker processes."""

    def __init__(self, context) -> None:
        self._bytes = context.Value("q", 0)
        self._words = context.Value("q", 0)

    def add(self, nbytes: int, nwords: int) -> None:
        with self._bytes.get_lock():
            self._bytes.value += nbytes
        with self._words.get_lock():
            self._words.value += nwords

    @property
    def bytes(self) -> int:
        return self._bytes.value

    @property
    def words(self) -> int:
        return self._words.value


_WORD = re.compile(r"[^\W\d_]+")
#: Called with (text of a block, its changes, its first line number - 1, its first character offset).
ExplainHook = Callable[[str, list[Change], int, int], None]
#: Every kind of line break, as --explain counts lines.
LINE_BREAK = re.compile(r"\r\n|[\n\r\u2028\u2029\x0b\x0c\x85]")


class Worker:
    """Restores tasks with one :class:`Restorer`, its data loaded once."""

    def __init__(self, settings: Settings, counters: Counters | SharedCounters | None = None,
                 explain: ExplainHook | None = None, restorer: Restorer | None = None) -> None:
        self.settings = settings
        self.restorer = restorer if restorer is not None else Restorer(settings.options)
        self.counters = counters
        self.explain = explain

    def load(self) -> "Worker":
        """Load the language data now rather than on the first file."""
        self.restorer.model  # noqa: B018 (the property loads it)
        return self

    def restore(self, task: Task) -> Record:
        """Restore *task*: every problem becomes an error record, and Ctrl-C leaves no output behind."""
        settled = settled_record(task)
        if settled is not None:
            return settled
        started = time.perf_counter()
        tally = _Tally(self.settings.details)
        try:
            self._restore(task, tally)
        except NotRewritable as error:
            return tally.record(task, SKIPPED, time.perf_counter() - started, str(error))
        except (InputError, UndecodableError, FormatError) as error:
            return tally.record(task, ERROR, time.perf_counter() - started, str(error))
        except OSError as error:
            return tally.record(task, ERROR, time.perf_counter() - started, _reading_error(error))
        except Exception as error:  # a bug: the batch goes on, the report says what happened
            message = f"internal error: {type(error).__name__}: {error}"
            return tally.record(task, ERROR, time.perf_counter() - started, message)
        return tally.record(task, OK, time.perf_counter() - started)

    def _restore(self, task: Task, tally: "_Tally") -> None:
        with _open_input(task.source) as stream:
            tally.format = _format_of(stream, self.settings.format)
            if tally.format != "text":
                self._write(task, [self._restore_document(stream.read(), tally)])
                return
            blocks = text_blocks(stream, self.settings.encoding, self.settings.block_size)
            first = next(blocks, None)  # an input that cannot be read fails before any output exists
            head = [first] if first is not None else []
            self._write(task, (self._restore_block(block, tally) for block in itertools.chain(head, blocks)))

    def _write(self, task: Task, restored: Iterable[bytes]) -> None:
        """Write the restored bytes to the task's output (a file written whole or not at all)."""
        if task.target is None:
            stdout = sys.stdout.buffer
            for data in restored:
                _writing(stdout.write, data, "standard output")
            _writing(lambda _: stdout.flush(), None, "standard output")
            return
        target = Path(task.target)
        mode = os.stat(task.source).st_mode & 0o7777 if task.in_place else None
        try:
            out = AtomicFile(target, mode, task.make_parents).open()
        except OSError as error:
            raise InputError(f"cannot write {target}: {error.strerror or error}") from None
        with out:
            for data in restored:
                _writing(out.write, data, target)
            _writing(out.commit, target if task.in_place and task.backup else None, target)

    def _restore_document(self, data: bytes, tally: "_Tally") -> bytes:
        """An hOCR, ALTO, TSV or PDF file restored in its own format (see ``formats``)."""
        restored = restore_document(data, tally.format, self.restorer, self.settings.engine_confidence)
        restoration = restored.restoration
        tally.words += restoration.words
        tally.notes.extend(restored.notes)
        if self.settings.details:
            tally.count(restoration.changes, self.settings.options)
            tally.modes.update(self.restorer.reading_modes(restoration.text))
        if self.settings.review:
            tally.review.extend(review_lines(restoration.text, restoration.changes, restoration.labels))
        if self.explain is not None:  # lines and columns of the words' text as the page reads
            self.explain(restoration.text, restoration.changes, 0, 0)
        if self.counters is not None:
            self.counters.add(len(data), restoration.words)
        return restored.data

    def _restore_block(self, block: tuple[str, str, int], tally: "_Tally") -> bytes:
        text, encoding, nbytes = block
        tally.encoding = encoding
        words = sum(1 for _ in _WORD.finditer(text))
        restorer = self.restorer
        if self.settings.adapt:
            from .learn import adapted_restorer

            restorer = adapted_restorer([text], restorer)
        if self.settings.details or self.settings.review or self.explain is not None:
            restored, changes = restorer.restore_and_explain(text)
            if self.explain is not None:
                self.explain(text, changes, tally.lines, tally.chars)
            if self.settings.details:
                tally.count(changes, self.settings.options)
                tally.modes.update(restorer.reading_modes(text))
            if self.settings.review:
                tally.review.extend(review_lines(text, changes, first_line=tally.lines))
        else:
            restored = restorer.restore(text)
        tally.words += words
        tally.lines += len(LINE_BREAK.findall(text))
        tally.chars += len(text)
        if self.counters is not None:
            self.counters.add(nbytes, words)
        return restored.encode("utf-8")


def resumed(record: Record) -> bool:
    """A record skipped only because an earlier run did the work (no news worth a line)."""
    return record.status == SKIPPED and (record.error or "").endswith("(--force restores it again)")


def settled_record(task: Task) -> Record | None:
    """The record of a task that planning settled (skipped, or failed), or None."""
    if task.error is not None:
        return Record(task.source, task.target, ERROR, error=task.error)
    if task.skip is not None:
        return Record(task.source, task.target, SKIPPED, error=task.skip)
    return None


class _Tally:
    """What one task's blocks add up to."""

    def __init__(self, details: bool) -> None:
        self.details = details
        self.encoding: str | None = None
        self.words = self.changed = self.uncertain = self.lines = self.chars = 0
        self.modes: Counter[str] = Counter()
        self.format: str | None = None
        self.notes: list[str] = []
        self.review: list = []

    def count(self, changes: list[Change], options: Options) -> None:
        """Add the changed words, and those whose confidence is below the threshold."""
        prefix, _, suffix = options.marker.partition("…")
        for change in changes:
            word = change.restored
            if options.mark_uncertain and word.startswith(prefix) and word.endswith(suffix):
                word = word[len(prefix):len(word) - len(suffix)]
            self.changed += word != change.original
            self.uncertain += change.confidence < options.threshold

    def record(self, task: Task, status: str, seconds: float, error: str | None = None) -> Record:
        mode = max(self.modes, key=lambda m: (self.modes[m], m)) if self.modes else None
        changed, uncertain = (self.changed, self.uncertain) if self.details and status == OK else (None, None)
        return Record(task.source, task.target, status, self.encoding, mode, self.words,
                      changed, uncertain, seconds, error, self.format, tuple(self.notes),
                      tuple(self.review) if status == OK else ())


def _writing(action: Callable, argument, target: Path | str) -> None:
    """Run a write step; its OSError becomes an InputError naming the output."""
    try:
        action(argument)
    except OSError as error:
        raise InputError(f"cannot write {target}: {error.strerror or error}") from None


@contextlib.contextmanager
def _open_input(source: str) -> Iterator[IO[bytes]]:
    if source == "-":
        yield sys.stdin.buffer
        return
    try:
        stream = open(source, "rb")
    except FileNotFoundError:
        what = "a broken symbolic link" if os.path.islink(source) else "no such file"
        raise InputError(what) from None
    except IsADirectoryError:
        raise InputError("is a directory") from None
    except OSError as error:
        raise InputError(_reading_error(error)) from None
    with stream:
        yield stream


def _format_of(stream: IO[bytes], forced: str | None) -> str:
    """The format of an input (``formats.detect`` on its first bytes), or the one *forced*;
    the stream is left where it was."""
    if forced is not None:
        return forced
    if stream.seekable():
        head = stream.read(HEAD_SIZE)
        stream.seek(0)
    else:
        head = stream.peek(HEAD_SIZE)[:HEAD_SIZE] if hasattr(stream, "peek") else b""
    return detect(head)


def _reading_error(error: OSError) -> str:
    return f"cannot read: {error.strerror or error}"


# ---------------------------------------------------------------------------
# Running many tasks.
# ---------------------------------------------------------------------------

_WORKER: Worker | None = None


def _start_worker(settings: Settings, counters: SharedCounters) -> None:
    """Pool initializer: one Worker per process (kept from the parent when forked)."""
    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C does
    signal.signal(signal.SIGTERM, _stop_worker)
    if _WORKER is None or _WORKER.settings != settings:
        _WORKER = Worker(settings).load()
    _WORKER.counters = counters
    _WORKER.explain = None


def _stop_worker(signum, frame) -> None:
    # Unwinds the task (its temporary file is removed) and ends the process quietly.
    raise SystemExit(1)


def _restore_task(task: Task) -> Record:
    assert _WORKER is not None
    return _WORKER.restore(task)


def _context():
    # fork starts workers at once with the parent's loaded data; elsewhere the default.
    if sys.platform.startswith("linux"):
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context()


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def run(tasks: list[Task], settings: Settings, jobs: int = 1, counters: Counters | None = None,
        explain: ExplainHook | None = None, restorer: Restorer | None = None) -> Iterator[Record]:
    """Restore *tasks*, yielding a :class:`Record` for each, in task order.

    *jobs* processes (``0``: one per core); with one, or a single task to do, the
    work happens in this process (and *explain* sees each block's changes).
    *counters* follow the bytes and words done, updated about five times a second.
    *restorer*, if given, is one already made with ``settings.options``.
    """
    jobs = cpu_count() if jobs == 0 else jobs
    todo = [task for task in tasks if settled_record(task) is None]
    if jobs <= 1 or len(todo) <= 1:
        worker = Worker(settings, counters, explain, restorer)
        for task in tasks:
            yield worker.restore(task)
        return
    global _WORKER
    context = _context()
    if context.get_start_method() == "fork" and (_WORKER is None or _WORKER.settings != settings):
        _WORKER = Worker(settings, restorer=restorer).load()  # the workers inherit it, loaded
    shared = SharedCounters(context)
    pool = context.Pool(min(jobs, len(todo)), initializer=_start_worker, initargs=(settings, shared))
    try:
        results = pool.imap(_restore_task, todo, chunksize=1)
        seen = (0, 0)
        for task in tasks:
            record = settled_record(task)
            while record is None:
                try:
                    record = results.next(timeout=0.2)
                except multiprocessing.TimeoutError:
                    pass
                if counters is not None:
                    now = (shared.bytes, shared.words)
                    counters.add(now[0] - seen[0], now[1] - seen[1])
                    seen = now
            yield record
        pool.close()
    finally:
        pool.terminate()
        pool.join()


# ---------------------------------------------------------------------------
# Progress on standard error.
# ---------------------------------------------------------------------------

def _count(number: float) -> str:
    for limit, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if number >= limit:
            return f"{number / limit:.1f}{suffix}"
    return f"{number:.0f}"


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class ProgressBar:
    """One line on a terminal: files done, words, words per second, time left.

    Drawn only when *enabled* and after the first second, at most five times a
    second; :meth:`echo` prints a message above it.
    """

    def __init__(self, stream: IO[str], files: int, total_bytes: int, enabled: bool) -> None:
        self.stream = stream
        self.files = files
        self.total_bytes = total_bytes  # 0: unknown (standard input)
        self.enabled = enabled
        self.counters = Counters(self.draw)
        self.done = 0
        self.started = time.monotonic()
        self._drawn_at = 0.0
        self._shown = False

    def file_done(self) -> None:
        self.done += 1
        self.draw()

    def draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        elapsed = now - self.started
        if elapsed < 1.0 or (not force and now - self._drawn_at < 0.2):
            return
        self._drawn_at = now
        share = min(1.0, self.counters.bytes / self.total_bytes) if self.total_bytes else 0.0
        width = 20
        bar = "#" * int(share * width) + "-" * (width - int(share * width))
        rate = self.counters.words / elapsed
        left = f"ETA {_duration(elapsed * (1 - share) / share)}" if share > 0 else "ETA -:--:--"
        line = (f"[{bar}] {self.done}/{self.files} files  {_count(self.counters.words)} words  "
                f"{_count(rate)} words/s  {left}")
        self.stream.write("\r" + line + "\x1b[K")
        self.stream.flush()
        self._shown = True

    def echo(self, message: str) -> None:
        self.clear()
        self.stream.write(message + "\n")
        self.stream.flush()
        self.draw(force=True)

    def clear(self) -> None:
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False


def summary(records: list[Record], seconds: float) -> str:
    """The closing line: how many files went how, and how fast.

    >>> summary([Record("a.txt", "out/a.txt", OK, words=1200), Record("b.txt", None, ERROR)], 2.0)
    '1 file restored, 0 skipped, 1 failed; 1,200 words in 2.0 s (600 words/s)'
    """
    counts = Counter(record.status for record in records)
    words = sum(record.words for record in records)
    restored = counts[OK]
    rate = words / seconds if seconds > 0 else 0.0
    return (f"{restored} file{'s' if restored != 1 else ''} restored, {counts[SKIPPED]} skipped, "
            f"{counts[ERROR]} failed; {words:,} words in {seconds:.1f} s ({rate:,.0f} words/s)")
