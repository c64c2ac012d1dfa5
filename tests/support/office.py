"""Re-save a workbook the way people do: LibreOffice Calc (for real) or openpyxl (a stand-in).

The ledger is a plain .xlsx that people may open and save by hand; these helpers let a test
put a workbook the app wrote through that round trip and look at what came back::

    from support.office import needs_libreoffice, resave_with_libreoffice

    @pytest.mark.office
    @needs_libreoffice
    def test_something(tmp_path):
        ...
        resave_with_libreoffice(path)            # in place, as «Save» does
        copy = resave_with_libreoffice(path, tmp_path / "copy.xlsx")

LibreOffice starts in about one to two seconds: convert many files in one start with
:func:`resave_many_with_libreoffice` and keep the result in a module- or session-scoped
fixture. ``make test`` installs Debian's ``libreoffice-calc-nogui``; where ``soffice`` is
missing, the tests marked with :data:`needs_libreoffice` are skipped with a reason.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pytest

# The filter Calc's «Save» uses for an .xlsx when the person answers «Use Excel 2007-365!»
# (keep the current format): the same import and export code as the GUI.
XLSX_FILTER = "Calc MS Excel 2007 XML"
DEFAULT_TIMEOUT = 120.0  # seconds for one start of soffice, whatever it converts


def soffice_path() -> str | None:
    """The LibreOffice binary on PATH (``soffice``, or ``libreoffice``), if any."""
    return shutil.which("soffice") or shutil.which("libreoffice")


needs_libreoffice = pytest.mark.skipif(
    soffice_path() is None,
    reason="LibreOffice (soffice) is not installed: `make test` installs Debian's "
           "libreoffice-calc-nogui when run as root",
)


class OfficeError(RuntimeError):
    """soffice failed, timed out, or wrote nothing."""


def resave_with_libreoffice(src: Path, dst: Path | None = None, *,
                            timeout: float = DEFAULT_TIMEOUT) -> Path:
    """Open ``src`` in LibreOffice Calc and save it as .xlsx, keeping the format.

    Writes ``dst``, or replaces ``src`` itself when ``dst`` is None (what «Save» does to the
    file a person opened). Returns the path written. Runs::

        soffice --headless --norestore --nolockcheck
                -env:UserInstallation=file:///tmp/lo-profile-<unique>
                --convert-to 'xlsx:Calc MS Excel 2007 XML' --outdir <tmp> <src>

    with a profile of its own (so it never meets a running LibreOffice nor another test's
    profile), under ``timeout`` seconds. The cell content goes through the same import and
    export filters as a person's Open + Save; what a headless conversion does not have is a
    window, so view settings (the frozen header row, the selected cell) are not written back
    as a GUI save would keep them. See tests/support/OFFICE_RESAVE.md for what changes.
    """
    (written,) = resave_many_with_libreoffice([src], [dst or src], timeout=timeout)
    return written


def resave_many_with_libreoffice(srcs: Sequence[Path], dsts: Sequence[Path], *,
                                 timeout: float = DEFAULT_TIMEOUT) -> list[Path]:
    """As :func:`resave_with_libreoffice` for several files in one start of LibreOffice.

    ``dsts[i]`` receives the re-save of ``srcs[i]`` (it may be ``srcs[i]`` itself). The
    sources need distinct file names: soffice names its output after its input.
    """
    srcs = [Path(s).resolve() for s in srcs]
    dsts = [Path(d) for d in dsts]
    if len(srcs) != len(dsts):
        raise ValueError("one destination per source")
    if len({s.stem for s in srcs}) != len(srcs):
        raise ValueError("sources need distinct file names (soffice names outputs by them)")
    binary = soffice_path()
    if binary is None:
        raise OfficeError("soffice is not installed")
    for src in srcs:
        if not src.is_file():
            raise FileNotFoundError(src)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile, \
            tempfile.TemporaryDirectory(prefix="lo-out-") as outdir:
        command = [
            binary, "--headless", "--norestore", "--nolockcheck", "--nodefault",
            "--nologo", f"-env:UserInstallation={Path(profile).as_uri()}",
            "--convert-to", f"xlsx:{XLSX_FILTER}", "--outdir", outdir, *map(str, srcs),
        ]
        output = _run(command, timeout)
        written = []
        for src, dst in zip(srcs, dsts, strict=True):
            result = Path(outdir) / f"{src.stem}.xlsx"
            if not result.is_file() or result.stat().st_size == 0:
                raise OfficeError(f"soffice wrote no {result.name} for {src}:\n{output}")
            dst.parent.mkdir(parents=True, exist_ok=True)
            # Same folder, then rename: whoever watches dst sees the old or the new file.
            staged = dst.with_name(f".{dst.name}.lo-tmp")
            shutil.copyfile(result, staged)
            os.replace(staged, dst)
            written.append(dst)
        return written


def _run(command: list[str], timeout: float) -> str:
    """Run soffice in its own process group, so that a timeout ends soffice.bin too."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        out, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise OfficeError(f"soffice did not finish in {timeout:g} s: {command}") from None
    text = out.decode("utf-8", "replace")
    if process.returncode != 0:
        raise OfficeError(f"soffice exited with {process.returncode}:\n{text}")
    return text


def resave_with_openpyxl(src: Path, dst: Path | None = None) -> Path:
    """Load ``src`` with openpyxl and save it again: a cheap, *approximate* "other writer".

    What it represents: a second, independent .xlsx writer re-serialising the same cell
    values (new shared-string table, new styles part, unknown parts dropped), the way Excel
    rewrites the whole package on Save. Text cells stay text, so numbers- and date-looking
    text is not re-typed.

    What it does NOT represent: Excel itself. openpyxl keeps strings longer than Excel's
    32,767-character cell limit, keeps "\\r\\n" as is, never repairs or re-types anything,
    and writes a literal "_x0041_" unescaped (so it reads back as "A"; Excel escapes it as
    "_x005F_x0041_"). Nothing here was checked against a real Excel. Use it for "a file
    rewritten by someone else" tests, and LibreOffice (:func:`resave_with_libreoffice`) for
    what an office suite really does.
    """
    import openpyxl

    dst = dst or src
    book = openpyxl.load_workbook(src)
    staged = dst.with_name(f".{dst.name}.openpyxl-tmp")
    book.save(staged)
    os.replace(staged, dst)
    return dst
