"""The material's pure rules: files by content, names, network counts, version hashes, the
procedure table's produce/approve columns and what each stage does to the material."""

from __future__ import annotations

import json

import pytest
from core_helpers import Walk, person
from support.material_files import (
    HTML_AS_PNG,
    MP4_HEADER,
    SVG_WITH_SCRIPT,
    image_bytes,
    pdf_bytes,
    png_bomb,
    two_hundred_megabytes,
)

from core.domain import materials as rules
from core.domain.errors import ConcurrentChange, NotAllowed
from core.domain.materials import FileType, MaterialChanged, MaterialRefused, VersionStamp
from core.domain.models import MaterialKind, Network
from core.domain.procedures import ProcedureTableError, load_procedures
from core.domain.roles import Role
from core.domain.workflow import evolve, replay
from sheets_schema import PROCEDURES_CSV, _csv_rows

# -- files are judged by their content -------------------------------------------------------


@pytest.mark.parametrize("kind, media", [("PNG", FileType.PNG), ("JPEG", FileType.JPEG),
                                         ("WEBP", FileType.WEBP), ("GIF", FileType.GIF)])
def test_an_image_is_recognised_by_its_content_and_its_size_read_from_the_header(
        kind: str, media: FileType) -> None:
    checked = rules.check_file("foto sin extension", image_bytes(kind, (321, 123)))
    assert checked.media_type is media
    assert (checked.width, checked.height) == (321, 123)
    assert checked.name == f"foto sin extension.{media.extension}"


def test_a_pdf_is_accepted_with_its_own_extension_whatever_its_name() -> None:
    checked = rules.check_file("arte.png", pdf_bytes())
    assert checked.media_type is FileType.PDF and checked.name == "arte.pdf"


def test_an_html_file_renamed_png_is_refused() -> None:
    with pytest.raises(MaterialRefused, match="página web"):
        rules.check_file("foto.png", HTML_AS_PNG)


@pytest.mark.parametrize("name", ["logo.svg", "logo.png"])
def test_an_svg_with_a_script_is_refused_whatever_its_name(name: str) -> None:
    with pytest.raises(MaterialRefused, match="SVG"):
        rules.check_file(name, SVG_WITH_SCRIPT)


def test_a_200_megabyte_file_is_refused_for_its_size() -> None:
    with pytest.raises(MaterialRefused, match=r"200,0 MB; el límite es 25,0 MB"):
        rules.check_file("enorme.png", two_hundred_megabytes())


def test_a_zip_bomb_image_is_refused_from_its_header_without_decoding_it() -> None:
    with pytest.raises(MaterialRefused, match=r"50\.000 × 50\.000 píxeles"):
        rules.check_file("bomba.png", png_bomb())


def test_a_video_is_refused_as_a_file_and_sent_to_links() -> None:
    with pytest.raises(MaterialRefused, match="enlace"):
        rules.check_file("clip.mp4", MP4_HEADER)


def test_a_truncated_image_is_refused_as_damaged() -> None:
    with pytest.raises(MaterialRefused, match="dañado"):
        rules.check_file("x.jpg", image_bytes("JPEG")[:40])


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(MaterialRefused, match="vacío"):
        rules.check_file("x.png", b"")


@pytest.mark.parametrize("given, expected", [
    ("../../etc/passwd.png", "passwd.png"),
    ("C:\\Users\\ana\\Fotos\\póster final.png", "póster final.png"),
    ("<img src=x onerror=alert(1)>.png", "img src_x onerror_alert(1).png"),
    ("\u202egnp.exe", "gnp.png"),
    ("....png", "archivo.png"),
    ("a" * 300 + ".png", "a" * 100 + ".png"),
])
def test_file_names_are_sanitised_and_take_the_extension_of_their_real_type(
        given: str, expected: str) -> None:
    assert rules.safe_name(given, FileType.PNG) == expected


# -- texts per network --------------------------------------------------------------------------


def test_x_counts_a_link_as_23_and_an_emoji_as_2() -> None:
    text = "Mantenimiento 🚧 https://nic.bo/un/enlace/muy/largo/que/no/importa?x=1"
    assert rules.x_length(text) == len("Mantenimiento ") + 2 + len(" ") + 23
    assert rules.text_length(Network.INSTAGRAM, text) == len(text)


def test_a_text_for_one_network_over_its_limit_is_refused_naming_the_limit() -> None:
    with pytest.raises(MaterialRefused, match="límite de la red es 280"):
        rules.check_text(Network.X, "a" * 281)
    assert rules.check_text(Network.X, "a" * 280) == "a" * 280
    with pytest.raises(MaterialRefused, match=r"2\.200"):
        rules.check_text(Network.INSTAGRAM, "b" * 2_201)


def test_a_common_text_is_counted_against_every_network_but_only_warned() -> None:
    text = "c" * 300
    assert rules.check_text(Network.ALL, text) == text
    over = {c.network for c in rules.counts(Network.ALL, text) if c.over}
    assert over == {Network.X}


def test_texts_are_stored_with_plain_line_breaks_and_no_trailing_blanks() -> None:
    assert rules.normalise_text("Hola  \r\nmundo\r\n\r\n") == "Hola\nmundo"


def test_a_post_is_cut_into_text_hashtags_mentions_and_links() -> None:
    parts = rules.segments("Nuevo #dominio .bo con @adsib en https://nic.bo/#precios hoy")
    assert parts == [
        (rules.Segment.TEXT, "Nuevo "), (rules.Segment.HASHTAG, "#dominio"),
        (rules.Segment.TEXT, " .bo con "), (rules.Segment.MENTION, "@adsib"),
        (rules.Segment.TEXT, " en "), (rules.Segment.LINK, "https://nic.bo/#precios"),
        (rules.Segment.TEXT, " hoy")]


@pytest.mark.parametrize("link", ["javascript:alert(1)", "data:text/html,<b>x</b>",
                                  "ftp://x.bo/a", "https://x.bo/a b", "nic.bo"])
def test_only_web_links_are_accepted(link: str) -> None:
    with pytest.raises(MaterialRefused):
        rules.check_link(link)


def test_a_drive_link_is_labelled_as_such() -> None:
    url = "https://drive.google.com/file/d/1AbC/view?usp=sharing"
    assert rules.check_link(url) == url and rules.link_label(url) == "Google Drive"


# -- versions ------------------------------------------------------------------------------


class _Piece:
    def __init__(self, kind: MaterialKind, network: Network | None, sha: str) -> None:
        self.kind, self.network, self.sha256 = kind, network, sha


def test_a_version_hash_ignores_the_order_but_not_the_network_of_a_text() -> None:
    a = _Piece(MaterialKind.TEXT, Network.X, "1" * 64)
    b = _Piece(MaterialKind.IMAGE, None, "2" * 64)
    assert rules.version_hash([a, b]) == rules.version_hash([b, a])
    moved = _Piece(MaterialKind.TEXT, Network.INSTAGRAM, "1" * 64)
    assert rules.version_hash([moved, b]) != rules.version_hash([a, b])


# -- the procedure table says who produces and who approves -------------------------------------


def test_the_shipped_table_marks_producing_and_approving_stages() -> None:
    rows = _csv_rows(PROCEDURES_CSV)
    table = load_procedures(rows)
    flags = {(p.number, s.number): (s.produces_material, s.approves_material)
             for p in table.procedures.values() for s in p.stages}
    assert flags[(3, 6)] == (True, False) and flags[(3, 7)] == (False, True)
    assert flags[(1, 3)] == (True, False) and flags[(1, 5)] == (False, True)
    assert flags[(2, 1)] == (True, False) and flags[(2, 6)] == (False, True)
    for number, stage in [(3, 6), (3, 7)]:
        row = next(r for r in rows if (int(r["procedimiento"]), int(r["etapa"])) ==
                   (number, stage))
        assert "versión" in row["interpretacion"]  # the interpretation is marked


def test_an_old_table_without_the_columns_still_loads_with_no_material_stages() -> None:
    rows = [{k: v for k, v in r.items() if k not in ("produce_material", "aprueba_material")}
            for r in _csv_rows(PROCEDURES_CSV)]
    table = load_procedures(rows)
    assert not any(p.handles_material for p in table.procedures.values())


def test_a_table_whose_material_is_never_approved_before_publishing_is_refused() -> None:
    rows = [dict(r) for r in _csv_rows(PROCEDURES_CSV) if r["procedimiento"] == "3"]
    for r in rows:
        r["aprueba_material"] = "no"
    with pytest.raises(ProcedureTableError, match="ninguna etapa posterior lo aprueba"):
        load_procedures(rows)


def test_a_change_after_approval_goes_back_to_the_approving_stage(walk: object) -> None:
    procedure = walk(3).procedure  # type: ignore[operator]
    back = procedure.reapproval(9)
    assert back is not None and back.target == 7 and back.outcome.code == "devolver:7"
    assert {"admin_rrss", "profesional", "diseno"} <= back.roles
    assert procedure.reapproval(6) is None  # a producing stage submits, it does not go back
    assert procedure.reapproval(3) is None  # nothing approved yet


# -- what each stage does to the material ------------------------------------------------------


def _stamp(version: int = 1) -> VersionStamp:
    return VersionStamp(version, f"{version:x}" * 64, 2)


def _submit_at_6(walk: Walk, version: int = 1) -> None:
    event = walk.decide()
    event = rules.stamp(walk.state, event, _stamp(version))
    walk.state = evolve(walk.state, event)
    walk.events.append(event)


def test_the_producing_stage_submits_and_the_approving_stage_pins_the_version(
        walk: object) -> None:
    request = walk(3).to_stage(6)  # type: ignore[operator]
    _submit_at_6(request)
    assert json.loads(request.events[-1].data)["material"]["version"] == 1
    approval = rules.stamp(request.state, request.decide(user=person(Role.REQUESTER)))
    assert json.loads(approval.data)["material_aprobado"] == {"version": 1,
                                                              "sha256": "1" * 64}


def test_material_is_refused_at_a_stage_that_does_not_produce_it(walk: object) -> None:
    request = walk(3).to_stage(5)  # type: ignore[operator]
    with pytest.raises(MaterialRefused, match="no produce material"):
        rules.stamp(request.state, request.decide(user=person(Role.REQUESTER)), _stamp())


def test_publishing_records_the_pinned_version(walk: object) -> None:
    request = walk(3).to_stage(6)  # type: ignore[operator]
    _submit_at_6(request)
    while request.state.stage != 9:
        event = rules.stamp(request.state, request.decide())
        request.state = evolve(request.state, event)
        request.events.append(event)
    published = rules.stamp(request.state, request.decide())
    assert json.loads(published.data)["material_publicado"]["version"] == 1


def test_a_change_after_approval_is_sent_back_and_replays(walk: object) -> None:
    request = walk(3).to_stage(6)  # type: ignore[operator]
    _submit_at_6(request)
    while request.state.stage != 9:
        event = rules.stamp(request.state, request.decide())
        request.state = evolve(request.state, event)
        request.events.append(event)
    admin = person(Role.ADMIN)
    with pytest.raises(Exception, match="Explique"):
        rules.decide_reapproval(request.state, admin, _stamp(2), comment=" ",
                                now=request.clock, event_id="r", expected_seq=request.state.seq)
    event = rules.decide_reapproval(request.state, admin, _stamp(2), comment="Fecha corregida",
                                    now=request.clock, event_id="r",
                                    expected_seq=request.state.seq)
    assert (event.outcome, event.target_stage) == ("devolver:7", 7)
    after = evolve(request.state, event)
    assert after.stage == 7
    replayed, problems = replay(request.state.request, request.procedure,
                                enumerate([*request.events, event], start=2))
    assert problems == [] and replayed.stage == 7
    assert rules.trail(replayed.events).latest == VersionStamp(2, "2" * 64, 2)


def test_someone_outside_the_stage_may_not_change_approved_material(walk: object) -> None:
    request = walk(3).to_stage(6)  # type: ignore[operator]
    _submit_at_6(request)
    request.to_stage(9)
    with pytest.raises(NotAllowed):
        rules.decide_reapproval(request.state, person(Role.REQUESTER), _stamp(2),
                                comment="x", now=request.clock, event_id="r",
                                expected_seq=request.state.seq)


def test_publishing_is_refused_when_the_latest_version_was_never_approved(
        walk: object) -> None:
    request = walk(3).to_stage(6)  # type: ignore[operator]
    _submit_at_6(request)
    request.to_stage(9)  # plain events: the approval at 7 pinned nothing
    with pytest.raises(MaterialChanged, match="no fue aprobado"):
        rules.stamp(request.state, request.decide())


def test_an_older_version_number_is_a_concurrent_change(walk: object) -> None:
    request = walk(3).to_stage(6)  # type: ignore[operator]
    _submit_at_6(request, version=3)
    request.to_stage(9)
    with pytest.raises(ConcurrentChange):
        rules.decide_reapproval(request.state, person(Role.ADMIN), _stamp(3), comment="x",
                                now=request.clock, event_id="r",
                                expected_seq=request.state.seq)
