"""One person's browser tab, driven through Streamlit's AppTest (used by the app tests)."""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from pathlib import Path

import pandas as pd
from streamlit.components.v2.component_manager import BidiComponentManager
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Button

from core.domain.ports import Repository
from sheets_schema.demo import DEMO_PASSWORD, USERS

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
DEMO_USERNAMES = [username for username, *_ in USERS]
TITLES = {"solicitud": "Solicitud", "bandeja": "Bandeja", "nueva_solicitud": "Nueva solicitud"}
FRAME_COLUMNS = {
    "all_table": "Debe actuar", "stages": "Responsable", "direct_table": "Registrada por",
    "instructions_table": "Registró",
}
_ESCAPED = re.compile(r"\\(.)")


@cache
def _component_manager() -> BidiComponentManager:
    """One scan of installed components for all sessions (AppTest rescans per instance,
    about half a second each; the app uses no custom components)."""
    manager = BidiComponentManager()
    manager.discover_and_register_components(start_file_watching=False)
    return manager


class UserSession:
    """One person's browser tab, driven through AppTest."""

    def __init__(self, username: str | None = None, repo: Repository | None = None) -> None:
        self.username = username
        self.at = AppTest.from_file(APP, default_timeout=60)
        self.at._bidi_component_manager = _component_manager()
        if repo is not None:
            self.at.session_state["repo"] = repo
        if username is not None:
            self.at.session_state["username"] = username
        self.run()

    # -- driving ----------------------------------------------------------------------

    def run(self) -> AppTest:
        self.at.run()
        self.assert_no_exception()
        return self.at

    def assert_no_exception(self) -> None:
        assert not self.at.exception, [e.message for e in self.at.exception]

    def page(self, name: str) -> AppTest:
        self.at.switch_page(f"pages/{name}.py")
        return self.run()

    def log_in(self, username: str, password: str = DEMO_PASSWORD) -> AppTest:
        self.at.text_input(key="login_user").input(username)
        self.at.text_input(key="login_password").input(password)
        self.button("Ingresar").click()
        return self.run()

    def landed_on(self, page: str) -> None:
        """After the app itself switched page (``st.switch_page``), stay there.

        AppTest keeps requesting the page last given to ``AppTest.switch_page``; a browser
        stays on the page the app moved to. Re-aim AppTest (this does not rerun).
        """
        assert self.at.title[0].value == TITLES[page]
        self.at.switch_page(f"pages/{page}.py")

    def button(self, label: str) -> Button:
        return next(b for b in self.at.button if b.label == label)

    def open_request(self, request_id: str) -> AppTest:
        """Open a request on «Solicitud», as a link or the Bandeja's «Abrir» would."""
        self.at.session_state["request_id"] = request_id
        self.page("solicitud")
        assert self.at.selectbox(key="request_pick").value == request_id
        return self.at

    def inbox(self) -> list[str]:
        """The request ids of the «Pendientes de mi acción» cards, in order."""
        return [b.key.removeprefix("open_pending_") for b in self.at.button
                if b.key and b.key.startswith("open_pending_")]

    def open_from_inbox(self, request_id: str) -> AppTest:
        self.page("bandeja")
        assert request_id in self.inbox(), self.inbox()
        self.at.button(key=f"open_pending_{request_id}").click()
        self.run()
        self.landed_on("solicitud")
        assert self.at.selectbox(key="request_pick").value == request_id
        return self.at

    def act(self, code: str, comment: str = "",
            schedule: dict[int, date] | None = None) -> AppTest:
        if comment:
            self.at.text_area(key="action_comment").input(comment)
        for number, day in (schedule or {}).items():
            self.at.date_input(key=f"schedule_{number}").set_value(day)
        self.at.button(key=f"action_{code}").click()
        return self.run()

    # -- reading ------------------------------------------------------------------------

    def action_codes(self) -> list[str]:
        return [b.key.removeprefix("action_") for b in self.at.button
                if b.key and b.key.startswith("action_")]

    def schedule_stages(self) -> list[int]:
        return [int(d.key.removeprefix("schedule_")) for d in self.at.date_input
                if d.key and d.key.startswith("schedule_")]

    def frame(self, key: str) -> pd.DataFrame:
        """The table a page shows with ``st.dataframe(..., key=key)``.

        AppTest exposes no key for a read-only dataframe, so the table is told by a column
        only it has (Bandeja's two request tables share columns: the inbox comes first).
        """
        column = FRAME_COLUMNS[key]
        frames = [d.value for d in self.at.dataframe if column in d.value.columns]
        assert frames, f"no table «{key}» on the page"
        return frames[-1] if key == "all_table" else frames[0]

    def texts(self, key: str) -> list[str]:
        """The markdown of a keyed container (e.g. «timeline», «details»), unescaped."""
        block = self.at.get_by_key(key)
        return [_ESCAPED.sub(r"\1", m.value) for m in block.markdown]  # type: ignore[attr-defined]

    def timeline(self) -> list[str]:
        """One text per event of the «Historial», oldest first."""
        return self.texts("timeline")

    def details(self) -> dict[str, str]:
        """«Datos de la solicitud» as field -> value."""
        found = {}
        for line in self.texts("details"):
            name, _, value = line.partition(":** ")
            found[name.strip("*")] = value
        return found

    def observation(self) -> str:
        """The last observation shown at the top of «Solicitud» ("" when there is none)."""
        try:
            block = self.at.get_by_key("observation")
        except KeyError:
            return ""
        alerts = [*block.warning, *block.info]  # type: ignore[attr-defined]
        return _ESCAPED.sub(r"\1", alerts[0].value) if alerts else ""

    def metric(self, label: str) -> str:
        return next(m.value for m in self.at.metric if m.label == label)

    def errors(self) -> list[str]:
        return [e.value for e in self.at.error]

    def successes(self) -> list[str]:
        return [s.value for s in self.at.success]
