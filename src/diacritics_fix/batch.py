# SPDX-License-Identifier: GPL-3.0-or-later
"""Restore many files: inputs walked, outputs planned, worker processes, resume, report.

The command line's work happens here; ``cli.py`` only parses arguments.

* :func:`plan` turns the inputs (files, folders, ``-``) into :class:`Task` s in a
  fixed order, with their outputs (a file, a folder mirroring the inputs' tree,
  the input itself, or standard output) and what the resume rules settle.
* :class:`Worker` restores one task: it reads the bytes in blocks of lines
  (:func:`byte_blocks`; a line longer than a block is cut at a sentence end),
  finds the encoding (:mod:`.encodings`), restores each block and writes UTF-8
  through a temporary file renamed over the output (:class:`AtomicFile`), so
  memory stays bounded and no output is ever half written; in place, a file
  that needs no change is left alone.  :func:`read_blocks` is the same reading
  for any other file a command takes (phrase lists, ``learn``'s corpus).
* :func:`run` restores the tasks in this process or in worker processes
  (:mod:`.workers`, which also splits a large file among them at its blocks:
  :func:`split_file`), and yields a :class:`Record` per task in task order:
  the output never depends on the number of processes.  :class:`Report`
  writes the records, keeping an earlier run's for the files it skips.

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
import json
import os
import re
import signal
import stat
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import IO, Callable, Iterable, Iterator, Mapping, NamedTuple

from .encodings import BinaryFileError, UndecodableError, decode_document
from .formats import HEAD_SIZE, FormatError, NotRewritable, detect, restore_document
from .options import Options
from .restorer import Change, Restorer
from .review import review_lines

#: Files taken from folders unless ``--glob`` says otherwise (these in any case: ``*.PDF`` too).
DEFAULT_GLOBS = ("*.txt", "*.hocr", "*.html", "*.htm", "*.xml", "*.tsv", "*.pdf")
#: Blocks of about this many bytes are restored at a time (cut at line breaks).
BLOCK_SIZE = 256 * 1024

OK, UNCHANGED, SKIPPED, ERROR = "ok", "unchanged", "skipped", "error"
#: Why a task is skipped.
UP_TO_DATE = "the output is newer than the input (--force restores it again)"
RESTORED_BEFORE = "{backup} exists: restored before (--force restores it again)"
EMPTY = "empty file: nothing to restore"
UNCHANGED_BEFORE = "unchanged when restored before, and not modified since (--force restores it again)"


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
    """Files under *folder* whose names match a glob in any case (``*.txt`` takes ``BAO-CAO.TXT``),
    sorted; backups (``*.orig``) and the folders *exclude* (real paths) left out.  Symbolic links
    to folders are not followed."""
    globs, exclude = tuple(glob.lower() for glob in globs), set(exclude)
    for top, dirs, files in os.walk(folder, followlinks=False):
        dirs[:] = sorted(d for d in dirs if os.path.realpath(os.path.join(top, d)) not in exclude)
        for name in sorted(files):
            if name.endswith(".orig") or not any(fnmatch.fnmatchcase(name.lower(), g) for g in globs):
                continue
            yield os.path.join(top, name)


def plan(inputs: Iterable[str], output: str | None = None, in_place: bool = False, backup: bool = True,
         globs: Iterable[str] = DEFAULT_GLOBS, force: bool = False, earlier: Mapping[str, Record] | None = None
         ) -> Plan:
    """The tasks for *inputs* (files, folders, or ``-`` for standard input), in a fixed order.

    With one file (or ``-``) the output is standard output, the file *output*
    or the file itself (*in_place*), as always.  With several inputs, a folder,
    or an *output* ending in ``/`` (or naming a folder), *output* is a folder
    that mirrors the tree below the inputs' deepest common folder, and re-running
    resumes: a task whose output is newer than its input, or whose ``FILE.orig``
    exists (in place), is skipped unless *force*; so is a file restored in
    place and found unchanged, when *earlier* (the records of an earlier
    report, by path) says so and the file was not modified since.

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
            reason = "is a folder: give -o FOLDER or --in-place to restore the files in it"
            return Plan([Task(inputs[0], None, error=reason)], False)
        raise UsageError("several inputs need -o FOLDER or --in-place")
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
                tasks.append(settle(Task(source, source, True, backup), force, earlier))
            else:
                target = os.path.join(output, os.path.relpath(absolute, root))
                tasks.append(settle(Task(source, target, make_parents=True), force))
    return Plan(tasks, True)


def _single_task(source: str, output: str | None, in_place: bool, backup: bool) -> Task:
    size = os.path.getsize(source) if source != "-" and os.path.isfile(source) else 0
    if in_place:
        return Task(source, source, True, backup, size=size)
    return Task(source, None if output in (None, "-") else output, size=size)


def settle(task: Task, force: bool, earlier: Mapping[str, Record] | None = None) -> Task:
    """The task with its size, and what the resume rules and a look at the input settle.

    *earlier* holds the records of an earlier run, by input path.
    """
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
        record = (earlier or {}).get(task.source)
        if record is not None and record.status == UNCHANGED and \
                (record.size, record.mtime_ns) == (source.st_size, source.st_mtime_ns):
            return task._replace(skip=UNCHANGED_BEFORE)
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

#: Where a line longer than a block is cut: after a sentence (or clause) ends.
_SENTENCE_ENDS = (". ", "? ", "! ", "; ")


def _cut(pending: bytearray, size: int) -> int | None:
    """Where the block that starts *pending* ends, or None when more bytes are needed.

    After the last blank line of its second half, or else after its last line
    break, within the first *size* bytes; a line longer than that is cut inside
    (:func:`_cut_inside_line`), so that no block is longer than *size*.  Cuts
    depend on the bytes alone, never on how reads happened to return them.
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
    cut = _cut_inside_line(window)
    if cut >= len(pending):
        return None  # the byte after the cut decides whether it falls inside a character
    while cut > 0 and pending[cut] & 0xC0 == 0x80:
        cut -= 1  # no space at all: never inside a UTF-8 character
    return cut or size


def _cut_inside_line(window: bytes | str) -> int:
    """Where a block cuts a line longer than itself: after the last sentence end in
    the second half of *window*, or else after its last space (its length if none).

    >>> _cut_inside_line("Điều 1. Phạm vi điều chỉnh. Nghị định này quy định")
    28
    >>> _cut_inside_line("các cơ quan, tổ chức, cá nhân có liên quan")
    38
    """
    text = isinstance(window, str)
    ends = max(window.rfind(mark if text else mark.encode()) for mark in _SENTENCE_ENDS)
    if ends >= len(window) // 2:
        return ends + 2
    space = window.rfind(" " if text else b" ")
    return space + 1 if space >= 0 else len(window)


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
    wide = _wide_encoding(head, encoding)
    if wide is not None:
        yield from _wide_blocks(stream, head, wide, size)
        return
    decoder = BlockDecoder(encoding)
    for block in byte_blocks(stream, size, head):
        text, name = decoder.decode(block)
        yield text, name, len(block)


def _wide_encoding(head: bytes, encoding: str | None) -> str | None:
    """UTF-16 or UTF-32 when forced or when *head* starts with its BOM (read apart: see _wide_blocks)."""
    if encoding is None:
        return next((name for bom, name in _WIDE_BOMS if head.startswith(bom)), None)
    return encoding if encoding in ("utf-16", "utf-32") else None


class BlockDecoder:
    """Decodes the blocks of a file in order, from byte *offset* on.

    While only ASCII has been seen (*encoding* None) each block is decoded
    on its own, and the first block that is not ASCII finds the encoding of
    the rest; a forced *encoding* holds from the start.  A decoder made with
    the state a split file's piece starts from decodes its blocks exactly as
    reading the whole file does.
    """

    def __init__(self, encoding: str | None = None, offset: int = 0) -> None:
        self.encoding = encoding
        self.offset = offset

    def decode(self, block: bytes) -> tuple[str, str]:
        """The text of the next *block* (NFC) and the encoding it was read in."""
        offset = self.offset
        if self.encoding is None:
            # A later block is read on its own; the newline before it keeps it
            # from looking like the start of a binary file.
            data = block if offset == 0 else b"\n" + block
            try:
                text, name = decode_document(data)
            except UndecodableError as error:
                raise _at(error, offset - len(data) + len(block)) from None
            text = text[len(data) - len(block):]
            if not block.isascii():
                self.encoding = name
        else:
            nul = block.find(b"\x00")
            if nul >= 0:
                raise BinaryFileError(f"binary data: NUL byte at offset {offset + nul}, not a text file", offset + nul)
            try:
                text, name = decode_document(block, encoding=self.encoding)
            except UndecodableError as error:
                raise _at(error, offset) from None
        self.offset += len(block)
        return text, name

    def skip(self, block: bytes) -> None:
        """Go past *block*, decoding it only while the encoding is still to be found."""
        if self.encoding is None:
            self.decode(block)
        else:
            self.offset += len(block)


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
            cut = _cut_inside_line(pending[:size])
        if cut > 0:
            piece, pending = pending[:cut], pending[cut:]
            # As decode_document reads these files: letters with combining marks composed.
            yield decode_document(piece.encode("utf-8"), encoding="utf-8").text, name, offset - read
            read = offset
        if not data:
            return
        data = stream.read(size)


def read_blocks(path: str, encoding: str | None = None, size: int = BLOCK_SIZE) -> Iterator[tuple[str, str, int]]:
    """The blocks of the input file at *path* (``-``: standard input), as restoring reads them
    (:func:`text_blocks`); an :class:`InputError` says what is wrong with it (its path aside)."""
    try:
        with _open_input(path) as stream:
            yield from text_blocks(stream, encoding, size)
    except UndecodableError as error:
        raise InputError(str(error)) from None
    except OSError as error:
        raise InputError(_reading_error(error)) from None


def read_document(path: str, encoding: str | None = None) -> str:
    """The whole text of a small input file (a phrase list, a lexicon), read as inputs are.

    >>> import tempfile
    >>> from diacritics_fix.encodings import encode_document
    >>> with tempfile.NamedTemporaryFile(suffix=".txt", delete=False) as file:
    ...     _ = file.write(encode_document("Hòa Lạc\\n", "vni"))
    >>> read_document(file.name)
    'Hòa Lạc\\n'
    """
    return "".join(text for text, _, _ in read_blocks(path, encoding))


#: With several jobs, a file larger than a piece of this many blocks is split among the
#: workers in such pieces (see :func:`split_file`).
PIECE_BLOCKS = 4
PIECE_SIZE = PIECE_BLOCKS * BLOCK_SIZE


class Piece(NamedTuple):
    """Consecutive blocks of a file, restored apart from the rest: where they start,
    their lengths, and the encoding found before them (None: only ASCII so far)."""

    offset: int
    blocks: tuple[int, ...]
    encoding: str | None


def splittable(task: Task, piece_size: int = PIECE_SIZE, forced_format: str | None = None) -> bool:
    """Whether *task*'s file is worth splitting among workers: a regular file of plain text
    (not hOCR, ALTO, TSV or PDF, restored whole) larger than a piece."""
    if task.source == "-" or task.size <= piece_size or not os.path.isfile(task.source):
        return False
    try:
        with open(task.source, "rb") as stream:
            return _format_of(stream, forced_format) == "text"
    except OSError:
        return False  # restoring it whole says what is wrong


def split_file(path: str, encoding: str | None = None, size: int = BLOCK_SIZE,
               piece_size: int = PIECE_SIZE) -> list[Piece] | None:
    """The file at *path* in pieces of whole blocks, about *piece_size* bytes each.

    The blocks are those :func:`text_blocks` reads (blocks of about *size*
    bytes), and each piece knows the encoding found before it: its blocks,
    restored by :meth:`Worker.restore_piece`, come out exactly as reading the
    whole file gives them, so the pieces' outputs put end to end are the
    file's.  When a block cannot be decoded, the piece holding it is the last
    (restoring it tells why).  None for UTF-16 and UTF-32, read whole.
    Raises OSError when the file cannot be read.

    >>> import tempfile
    >>> with tempfile.NamedTemporaryFile(suffix=".txt", delete=False) as file:
    ...     _ = file.write(b"Dieu 1. Pham vi.\\nDieu 2. Doi tuong.\\nDieu 3. Giai thich.\\n")
    >>> split_file(file.name, size=20, piece_size=30)
    [Piece(offset=0, blocks=(17, 19), encoding=None), Piece(offset=36, blocks=(20,), encoding=None)]
    """
    pieces: list[Piece] = []
    with open(path, "rb") as stream:
        head = stream.read(4)
        if _wide_encoding(head, encoding) is not None:
            return None
        decoder = BlockDecoder(encoding)
        start, state, lengths = 0, decoder.encoding, []
        for block in byte_blocks(stream, size, head):
            lengths.append(len(block))
            try:
                decoder.skip(block)
            except UndecodableError:
                break
            if decoder.offset - start >= piece_size:
                pieces.append(Piece(start, tuple(lengths), state))
                start, state, lengths = decoder.offset, decoder.encoding, []
        if lengths:
            pieces.append(Piece(start, tuple(lengths), state))
    return pieces


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
        # The process id in the name: the files of a worker that was killed are known (workers.py).
        handle, self._temporary = tempfile.mkstemp(prefix=f".{self.path.name}.{os.getpid()}.", suffix=".tmp",
                                                   dir=directory)
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
    status: str  # ok, unchanged, skipped or error
    encoding: str | None = None
    mode: str | None = None  # clean, stripped or ocr: how most of its words were read
    words: int = 0
    changed: int | None = None  # words rewritten (with details)
    uncertain: int | None = None  # changes with a confidence below the threshold (with details)
    seconds: float = 0.0
    error: str | None = None  # why it failed or was skipped
    format: str | None = None  # text, hocr, alto, tsv or pdf
    notes: tuple[str, ...] = ()  # parts of the file left alone, and why ("page 3: no text layer")
    size: int | None = None  # the input's size and modification time when it was read:
    mtime_ns: int | None = None  # a rerun tells by them whether it was edited since
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

    @classmethod
    def from_json(cls, line: str) -> "Record | None":
        """The record of a report line, or None when the line is no record."""
        try:
            fields = json.loads(line)
            record = cls(**{name: fields[name] for name in cls._fields if name in fields})
            return record._replace(notes=tuple(record.notes))
        except (ValueError, TypeError):
            return None


def read_report(path: str) -> dict[str, Record]:
    """The records of an earlier ``--report``, by input path (none when there is no such file)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as lines:
            records = [Record.from_json(line) for line in lines]
    except OSError:
        return {}
    return {record.path: record for record in records if record is not None}


class Report:
    """The ``--report`` file: one record per input, a JSON line each, in input order.

    Rerun with the same report (resuming an interrupted batch, say), the
    inputs skipped as done before keep their earlier records, and
    :attr:`earlier` lets planning skip in-place files that were unchanged
    (*earlier*: the records, when read already).  Raises OSError when the
    file cannot be written.
    """

    def __init__(self, path: str, earlier: Mapping[str, Record] | None = None) -> None:
        self.earlier = read_report(path) if earlier is None else earlier
        self.file = open(path, "w", encoding="utf-8")

    def add(self, record: Record) -> None:
        earlier = self.earlier.get(record.path) if resumed(record) else None
        if earlier is not None and earlier.status in (OK, UNCHANGED):
            record = earlier
        self.file.write(record.to_json() + "\n")
        self.file.flush()

    def close(self) -> None:
        self.file.close()


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

    @property
    def piece_size(self) -> int:
        """Bytes of the pieces a large file is split into among workers."""
        return PIECE_BLOCKS * self.block_size


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


_WORD = re.compile(r"[^\W\d_]+")
#: Called with (text of a block, its changes, its first line number - 1, its first character offset).
ExplainHook = Callable[[str, list[Change], int, int], None]
#: Every kind of line break, as --explain counts lines.
LINE_BREAK = re.compile(r"\r\n|[\n\r\u2028\u2029\x0b\x0c\x85]")


class PieceResult(NamedTuple):
    """What a worker gives back for one piece of a split file: its restored bytes and
    what its blocks add up to, or why it failed (with what the blocks before the failure added up to)."""

    data: bytes
    tally: "_Tally"
    error: str | None = None


class Worker:
    """Restores tasks with one :class:`Restorer`, its data loaded once."""

    def __init__(self, settings: Settings, counters: Counters | None = None,
                 explain: ExplainHook | None = None, restorer: Restorer | None = None) -> None:
        self.settings = settings
        self.restorer = restorer if restorer is not None else Restorer(settings.options)
        self.counters = counters
        self.explain = explain

    def load(self, warm: bool = False) -> "Worker":
        """Load the language data now rather than on the first file (*warm*: and all that is
        otherwise made on first use, see :meth:`Restorer.warm`)."""
        if warm:
            self.restorer.warm()
        else:
            self.restorer.model  # noqa: B018 (the property loads it)
        return self

    def restore(self, task: Task) -> Record:
        """Restore *task*: every problem becomes an error record, and Ctrl-C leaves no output behind.

        Raises :class:`OutputClosed` when standard output is closed by its reader.
        """
        settled = settled_record(task)
        if settled is not None:
            return settled
        started = time.perf_counter()
        tally = _Tally(self.settings.details)
        try:
            with _open_input(task.source) as stream, _Output(task) as output:
                tally.stat(stream)
                tally.format = _format_of(stream, self.settings.format)
                if tally.format != "text":
                    output.write(self._restore_document(stream.read(), tally))
                else:
                    for block in text_blocks(stream, self.settings.encoding, self.settings.block_size):
                        output.write(self._restore_block(block, tally))
                changed = output.commit()
        except OutputClosed:
            raise
        except NotRewritable as error:
            return tally.record(task, SKIPPED, time.perf_counter() - started, str(error))
        except Exception as error:
            return tally.record(task, ERROR, time.perf_counter() - started, _failure(error))
        return tally.record(task, OK if changed else UNCHANGED, time.perf_counter() - started)

    def restore_piece(self, task: Task, piece: "Piece") -> PieceResult:
        """Restore the blocks of one *piece* of *task*'s file (see :func:`split_file`)."""
        tally = _Tally(self.settings.details)
        restored = []
        try:
            with _open_input(task.source) as stream:
                stream.seek(piece.offset)
                decoder = BlockDecoder(piece.encoding, piece.offset)
                for length in piece.blocks:
                    block = stream.read(length)
                    if len(block) < length:
                        raise InputError("the file was cut short while it was being restored")
                    text, name = decoder.decode(block)
                    restored.append(self._restore_block((text, name, length), tally))
        except Exception as error:
            return PieceResult(b"", tally, _failure(error))
        return PieceResult(b"".join(restored), tally)

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


def _failure(error: Exception) -> str:
    """What the report says of an error that stopped a task."""
    if isinstance(error, (InputError, UndecodableError, FormatError)):
        return str(error)
    if isinstance(error, OSError):
        return _reading_error(error)
    return f"internal error: {type(error).__name__}: {error}"  # a bug: the batch goes on, the report tells


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
        self.size: int | None = None
        self.mtime_ns: int | None = None

    def stat(self, stream: IO[bytes]) -> None:
        """Note the size and modification time of the input, a regular file, as it is read."""
        with contextlib.suppress(OSError, ValueError):
            found = os.fstat(stream.fileno())
            if stat.S_ISREG(found.st_mode):
                self.size, self.mtime_ns = found.st_size, found.st_mtime_ns

    def count(self, changes: list[Change], options: Options) -> None:
        """Add the changed words, and those whose confidence is below the threshold."""
        prefix, _, suffix = options.marker.partition("…")
        for change in changes:
            word = change.restored
            if options.mark_uncertain and word.startswith(prefix) and word.endswith(suffix):
                word = word[len(prefix):len(word) - len(suffix)]
            self.changed += word != change.original
            self.uncertain += change.confidence < options.threshold

    def add(self, other: "_Tally") -> None:
        """Add the tally of the next piece of the same file."""
        self.encoding = other.encoding or self.encoding
        self.words += other.words
        self.changed += other.changed
        self.uncertain += other.uncertain
        self.modes.update(other.modes)

    def record(self, task: Task, status: str, seconds: float, error: str | None = None) -> Record:
        mode = max(self.modes, key=lambda m: (self.modes[m], m)) if self.modes else None
        counted = self.details and status in (OK, UNCHANGED)
        return Record(task.source, task.target, status, self.encoding, mode, self.words,
                      self.changed if counted else None, self.uncertain if counted else None, seconds, error,
                      self.format, tuple(self.notes), self.size, self.mtime_ns,
                      tuple(self.review) if status == OK else ())


class OutputClosed(Exception):
    """Standard output was closed by its reader (``diacritics-fix big.txt | head``): the run stops."""


class _Output:
    """Where one task's restored bytes go: standard output, or its file, written whole or not at all.

    The bytes are compared with the input's as they go; :meth:`commit` says
    whether they differ.  In place nothing is written while they are the
    same, so a file whose restored bytes are its own is left as it was: not
    rewritten, no backup.
    """

    def __init__(self, task: Task) -> None:
        self.task = task
        self.target = Path(task.target) if task.target is not None else None
        self.same = task.source != "-"  # the bytes so far are the input's …
        self.matched = 0  # … this many of them
        self._original: IO[bytes] | None = None
        self._file: AtomicFile | None = None

    def __enter__(self) -> "_Output":
        return self

    def __exit__(self, *exc_info) -> None:
        if self._file is not None:
            self._file.__exit__(*exc_info)  # removes the temporary file unless committed
        if self._original is not None:
            self._original.close()

    def write(self, data: bytes) -> None:
        if self.same:
            self.same = self._original_bytes(len(data)) == data
            if self.same:
                self.matched += len(data)
                if self.task.in_place:
                    return
        self._write(data)

    def commit(self) -> bool:
        """Put the output in place (with its backup, in place); True when it differs from the input."""
        changed = not (self.same and self._original_bytes(1) == b"")
        if self.target is None:
            _to_stdout(sys.stdout.buffer.flush)
        elif changed or not self.task.in_place:
            backup = self.target if self.task.in_place and self.task.backup else None
            _writing(self._opened().commit, backup, self.target)
        return changed

    def _write(self, data: bytes) -> None:
        if self.target is None:
            _to_stdout(lambda: sys.stdout.buffer.write(data))
        else:
            _writing(self._opened().write, data, self.target)

    def _opened(self) -> "AtomicFile":
        """The temporary file, created on first use; in place it starts with the bytes matched so far."""
        if self._file is None:
            mode = os.stat(self.task.source).st_mode & 0o7777 if self.task.in_place else None
            try:
                self._file = AtomicFile(self.target, mode, self.task.make_parents).open()
            except OSError as error:
                raise InputError(f"cannot write {self.target}: {error.strerror or error}") from None
            if self.task.in_place and self.matched:
                with open(self.task.source, "rb") as original:
                    _writing(self._file.write, original.read(self.matched), self.target)
        return self._file

    def _original_bytes(self, size: int) -> bytes:
        if self._original is None:
            self._original = open(self.task.source, "rb")
        return self._original.read(size)


def _to_stdout(action: Callable[[], object]) -> None:
    try:
        action()
    except BrokenPipeError:
        raise OutputClosed from None
    except OSError as error:
        raise InputError(f"cannot write standard output: {error.strerror or error}") from None


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
        raise InputError("is a folder") from None
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

def run(tasks: list[Task], settings: Settings, jobs: int = 1, counters: Counters | None = None,
        explain: ExplainHook | None = None, restorer: Restorer | None = None) -> Iterator[Record]:
    """Restore *tasks*, yielding a :class:`Record` for each, in task order.

    *jobs* processes (``0``: one per core, see :mod:`.workers`): files are
    restored side by side, and a large file is split among them at its blocks;
    the output is the same whatever the number.  With one job, or nothing to
    share out, the work happens in this process (and *explain* sees each
    block's changes).  *counters* follow the bytes and words done.
    *restorer*, if given, is one already made with ``settings.options``.
    """
    from . import workers

    jobs = workers.cpu_count() if jobs == 0 else jobs
    todo = [task for task in tasks if settled_record(task) is None]
    if jobs > 1 and explain is None and (len(todo) > 1 or any(splittable(t, settings.piece_size, settings.format) for t in todo)):
        yield from workers.run_in_workers(tasks, settings, jobs, counters, restorer)
        return
    worker = Worker(settings, counters, explain, restorer)
    for task in tasks:
        yield worker.restore(task)


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
    >>> summary([Record("a.txt", "a.txt", UNCHANGED, words=800), Record("b.txt", "b.txt", SKIPPED)], 1.0)
    '0 files restored, 1 unchanged, 1 skipped, 0 failed; 800 words in 1.0 s (800 words/s)'
    >>> summary([Record("a.txt", "out/a.txt", SKIPPED)], 0.01)
    '0 files restored, 1 skipped, 0 failed: nothing needed work'
    """
    counts = Counter(record.status for record in records)
    words = sum(record.words for record in records)
    restored = counts[OK]
    unchanged = f"{counts[UNCHANGED]} unchanged, " if counts[UNCHANGED] else ""
    files = (f"{restored} file{'s' if restored != 1 else ''} restored, {unchanged}{counts[SKIPPED]} skipped, "
             f"{counts[ERROR]} failed")
    if counts[SKIPPED] == len(records):
        return files + ": nothing needed work"
    rate = words / seconds if seconds > 0 else 0.0
    return f"{files}; {words:,} words in {seconds:.1f} s ({rate:,.0f} words/s)"
