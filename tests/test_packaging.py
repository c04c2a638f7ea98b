# SPDX-License-Identifier: GPL-3.0-or-later
"""The wheel: it carries the data, installs into a fresh venv and its command works.

Slow (it builds, creates a venv and installs the dependencies from the
package index), but run by default; ``pytest -m "not slow"`` leaves it out.
Without network access to the package index the tests are skipped, not failed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent

# What pip and build print when the package index cannot be reached.
NETWORK_TROUBLE = (
    "Could not find a version that satisfies the requirement",
    "No matching distribution found",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Name or service not known",
    "Network is unreachable",
    "Connection refused",
    "ConnectionError",
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "Max retries exceeded",
    "ProxyError",
    "SSLError",
)


def run(command: list[str], what: str, **kwargs) -> subprocess.CompletedProcess:
    """Run *command*; skip the test when it failed for lack of network, fail it otherwise."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PIP_REQUIRE_VIRTUALENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    try:
        process = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600, **kwargs)
    except subprocess.TimeoutExpired:
        pytest.skip(f"{what} timed out (no or slow network to the package index?)")
    if process.returncode != 0:
        output = process.stdout + process.stderr
        if any(sign in output for sign in NETWORK_TROUBLE):
            pytest.skip(f"{what} failed for lack of network: {output.strip().splitlines()[-1]}")
        pytest.fail(f"{what} failed (exit {process.returncode}):\n{output[-4000:]}")
    return process


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    outdir = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--wheel", "--outdir", str(outdir), str(ROOT)], "building the wheel")
    wheels = list(outdir.glob("diacritics_fix-*.whl"))
    assert len(wheels) == 1, f"expected one wheel, found {wheels}"
    return wheels[0]


@pytest.fixture(scope="module")
def venv(tmp_path_factory, wheel) -> Path:
    """A fresh venv (no system site-packages) with the wheel and its dependencies installed."""
    where = tmp_path_factory.mktemp("venv") / "env"
    run([sys.executable, "-m", "venv", str(where)], "creating a venv")
    python = where / "bin" / "python"
    run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], "installing the wheel")
    return where


def wheel_names(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


#: Folders of data/ that only build the shipped data (scripts/build_data.py): in the sdist, not the wheel
#: (data/phrases/ ships: OCR windows are matched against it, see phrasematch.py).
BUILD_INPUTS = ("text",)


def test_wheel_carries_the_data(wheel):
    names = wheel_names(wheel)
    for required in (
        "diacritics_fix/__init__.py",
        "diacritics_fix/cli.py",
        "diacritics_fix/data/lexicon/vocabulary.txt",
        "diacritics_fix/data/lexicon/trigram_keys.npy",
        "diacritics_fix/data/lexicon/admin.trigram_logp.npy",
        "diacritics_fix/data/abbreviations.txt",
        "diacritics_fix/data/NOTICE",
    ):
        assert required in names


def test_wheel_carries_every_data_file_but_the_build_inputs_and_no_tests(wheel):
    names = wheel_names(wheel)
    data = ROOT / "data"
    shipped = {path.relative_to(data).as_posix() for path in data.rglob("*") if path.is_file()
               and path.relative_to(data).parts[0] not in BUILD_INPUTS}
    in_wheel = {name.removeprefix("diacritics_fix/data/") for name in names if name.startswith("diacritics_fix/data/")}
    assert in_wheel == shipped
    assert not any(n.startswith(("tests/", "diacritics_fix/tests/", "build/", "bench/")) for n in names)
    assert any(n.endswith(".dist-info/METADATA") for n in names)


def test_sdist_keeps_the_build_inputs(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("sdist")
    run([sys.executable, "-m", "build", "--sdist", "--outdir", str(outdir), str(ROOT)], "building the sdist")
    [sdist] = outdir.glob("diacritics_fix-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for folder in BUILD_INPUTS:
        files = {f"data/{folder}/{path.name}" for path in (ROOT / "data" / folder).glob("*.txt")}
        assert files and files <= names


def test_ftfy_is_a_declared_dependency(wheel):
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read(next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))).decode()
    assert "Requires-Dist: ftfy" in metadata


def test_wheel_data_matches_the_repository(wheel):
    with zipfile.ZipFile(wheel) as archive:
        for name in ("lexicon/vocabulary.txt", "lexicon/trigram_keys.npy", "NOTICE"):
            assert archive.read(f"diacritics_fix/data/{name}") == (ROOT / "data" / name).read_bytes()


def test_installed_command_restores_a_file(venv, tmp_path):
    text_file = tmp_path / "thong-bao.txt"
    text_file.write_text(
        "Cac dang bo truc thuoc Thanh uy\nDoc lap - Tu do - Hanh phuc\nSo: 1234/UBND-KT\n", encoding="utf-8"
    )
    command = venv / "bin" / "diacritics-fix"
    assert command.exists(), "the wheel installs no diacritics-fix command"
    process = run([str(command), str(text_file)], "running diacritics-fix", cwd=tmp_path)
    assert process.stdout == "Các đảng bộ trực thuộc Thành ủy\nĐộc lập - Tự do - Hạnh phúc\nSố: 1234/UBND-KT\n"


def test_installed_package_reads_its_own_data(venv, tmp_path):
    """The installed copy finds data/ inside the package, not in this checkout."""
    python = venv / "bin" / "python"
    process = run(
        [str(python), "-c", "import diacritics_fix.model as m; print(m.data_dir()); print(m.__file__)"],
        "importing the installed package",
        cwd=tmp_path,
    )
    data_dir, module = process.stdout.splitlines()
    assert Path(data_dir).is_relative_to(venv) and Path(module).is_relative_to(venv)
    assert (Path(data_dir) / "lexicon" / "trigram_keys.npy").is_file()
