"""A write that fails midway leaves the workbook byte-identical and no temporary file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from storage_helpers import advance, column, fresh_write, open_repo, record_publication, sheets
from support.fixed import TEST_ENV

from core.adapters.workbook import repository as workbook_module
from core.adapters.workbook.repository import WorkbookRepository
from core.adapters.workbook.xlsx import XlsxWriter
from core.domain.errors import StorageError


def leftovers(path: Path) -> list[str]:
    expected = (path.name, path.name + ".lock", f".{path.name}.cache")  # the read memo
    return sorted(p.name for p in path.parent.iterdir() if p.name not in expected)


def fail_in_writer(monkeypatch: pytest.MonkeyPatch) -> None:
    real = XlsxWriter.write

    def write_then_fail(self, path, sheets, touched=None):  # type: ignore[no-untyped-def]
        real(self, path, sheets, touched)  # the temporary file is complete...
        with open(path, "r+b") as half:  # ...then the disk fills up while zipping
            half.truncate(100)
        raise OSError(28, "No queda espacio en el dispositivo")

    monkeypatch.setattr(XlsxWriter, "write", write_then_fail)


def fail_in_fsync(monkeypatch: pytest.MonkeyPatch) -> None:
    def fsync(fd: int) -> None:
        raise OSError(5, "Error de entrada/salida")

    monkeypatch.setattr(workbook_module.os, "fsync", fsync)


def fail_in_replace(monkeypatch: pytest.MonkeyPatch) -> None:
    def replace(src, dst) -> None:  # type: ignore[no-untyped-def]
        raise OSError(13, "Permiso denegado")

    monkeypatch.setattr(workbook_module.os, "replace", replace)


FAILURES = [fail_in_writer, fail_in_fsync, fail_in_replace]
IDS = ["writer", "fsync", "rename"]


@pytest.mark.parametrize("failure", FAILURES, ids=IDS)
def test_a_failed_write_keeps_the_original_file_byte_identical_and_explains_in_spanish(
        repo: WorkbookRepository, path: Path, ids: list[str],
        monkeypatch: pytest.MonkeyPatch, failure):
    advance(repo, ids[1])  # the next write would be incremental
    before = path.read_bytes()
    before_leftovers = leftovers(path)
    failure(monkeypatch)
    with pytest.raises(StorageError) as refused:
        advance(repo, ids[0], event_id="evt-fallido")
    message = str(refused.value)
    assert message.startswith("No se pudo guardar el libro (")
    assert message.endswith("; no se guardó nada.")
    assert refused.value.__cause__ is None and refused.value.__suppress_context__
    assert path.read_bytes() == before
    assert leftovers(path) == before_leftovers == []


@pytest.mark.parametrize("failure", FAILURES, ids=IDS)
def test_the_write_after_a_failed_one_contains_nothing_of_it(
        repo: WorkbookRepository, path: Path, ids: list[str], monkeypatch: pytest.MonkeyPatch,
        tmp_path: Path, failure):
    advance(repo, ids[1])
    with monkeypatch.context() as patch:
        failure(patch)
        with pytest.raises(StorageError):
            advance(repo, ids[0], event_id="evt-fallido")
    assert repo.snapshot().ledger.state(ids[0]).seq == 1
    advance(repo, ids[2], event_id="evt-siguiente")
    written = column(sheets(path)["eventos"], "id_evento")
    assert "evt-fallido" not in written and written[-1] == "evt-siguiente"
    assert sheets(path) == fresh_write(tmp_path / "fresh.xlsx", path)
    advance(repo, ids[0], event_id="evt-reintento")
    assert column(sheets(path)["eventos"], "id_evento")[-1] == "evt-reintento"


def test_an_unexpected_error_in_the_writer_also_leaves_no_temporary_file(
        repo: WorkbookRepository, path: Path, monkeypatch: pytest.MonkeyPatch):
    before = path.read_bytes()

    def explode(self, path, sheets, touched=None):  # type: ignore[no-untyped-def]
        Path(path).write_bytes(b"PK half a zip")
        raise RuntimeError("fallo inesperado")

    monkeypatch.setattr(XlsxWriter, "write", explode)
    with pytest.raises(RuntimeError):
        record_publication(repo, "No debe guardarse")
    assert path.read_bytes() == before
    assert leftovers(path) == []


def test_a_failed_creation_leaves_no_workbook_behind(
        path: Path, demo, monkeypatch: pytest.MonkeyPatch):
    fail_in_replace(monkeypatch)
    with pytest.raises(StorageError):
        open_repo(path).create(demo)
    assert not path.exists()
    assert leftovers(path) == []
    monkeypatch.undo()
    assert open_repo(path).create(demo)
    assert os.path.getsize(path) > 0


def test_a_temporary_file_that_cannot_be_created_gives_a_spanish_storage_error(
        repo: WorkbookRepository, path: Path, monkeypatch: pytest.MonkeyPatch):
    before = path.read_bytes()
    real_open = os.open

    def refuse(file, flags, mode=0o777, *args, **kwargs):  # type: ignore[no-untyped-def]
        if Path(file).name.startswith(".tmp-"):
            raise PermissionError(13, "Permiso denegado")
        return real_open(file, flags, mode, *args, **kwargs)

    monkeypatch.setattr(workbook_module.os, "open", refuse)
    with pytest.raises(StorageError, match="No se pudo guardar el libro"):
        record_publication(repo, "No debe guardarse")
    assert path.read_bytes() == before
    assert leftovers(path) == []


def test_a_rewrite_keeps_the_workbooks_permissions(
        repo: WorkbookRepository, path: Path, ids: list[str]):
    os.chmod(path, 0o664)  # shared with the group that opens it in LibreOffice
    record_publication(repo, "Con permisos de grupo")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o664
    os.chmod(path, 0o640)
    advance(repo, ids[0])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640


def test_a_new_workbook_gets_the_usual_permissions_of_the_umask_not_owner_only(
        path: Path, demo):
    previous = os.umask(0o022)
    try:
        assert open_repo(path).create(demo)
    finally:
        os.umask(previous)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644


WRITER = """
import sys
sys.path[:0] = [sys.argv[2], sys.argv[2] + "/tests"]
from storage_helpers import open_repo, record_publication
repo = open_repo(sys.argv[1])
print("listo", flush=True)
n = 0
while True:
    n += 1
    record_publication(repo, f"Escritura {n}")
"""


def test_temporary_files_of_writers_killed_mid_write_are_removed_at_start(
        repo: WorkbookRepository, path: Path,
        tmp_path_factory: pytest.TempPathFactory) -> None:
    """Writers killed with SIGKILL while writing leave temporary files; the next start
    removes them, and the workbook is whole."""
    import signal
    import subprocess
    import sys
    import time

    from wiring import Settings, open_workbook

    root = Path(__file__).resolve().parents[2]
    script = tmp_path_factory.mktemp("writer") / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=f"{root}:{root / 'tests'}:{root / 'tests' / 'storage'}")
    for attempt in range(12):
        writer = subprocess.Popen([sys.executable, str(script), str(path), str(root)],
                                  env=env, stdout=subprocess.PIPE, text=True)
        assert writer.stdout is not None and writer.stdout.readline().strip() == "listo"
        time.sleep(0.05 + 0.03 * attempt)  # somewhere inside a write
        writer.send_signal(signal.SIGKILL)
        writer.wait()
        if leftovers(path):
            break
    assert leftovers(path), "no writer was killed mid-write in 12 tries"
    ledger = open_workbook(Settings(path, "L", TEST_ENV)).snapshot().ledger
    assert leftovers(path) == []
    assert ledger.issues == [] and ledger.direct_publications
