"""Small layout fixes Streamlit does not offer: on a phone, choosing a page in the sidebar
closes the sidebar (Streamlit leaves it open over the page)."""

from __future__ import annotations

import streamlit as st

PHONE_WIDTH = 768  # Streamlit's own breakpoint for the overlaid sidebar

_CLOSE_ON_PICK = """<script>(function(){
if (window.__rrssClosesSidebar) { return; }
window.__rrssClosesSidebar = true;
document.addEventListener('click', function (event) {
  var link = event.target.closest('[data-testid="stSidebarNav"] a');
  if (!link || window.innerWidth >= PHONE_WIDTH) { return; }
  setTimeout(function () {
    var bar = document.querySelector('[data-testid="stSidebar"]');
    var button = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
    if (bar && bar.getAttribute('data-collapsed') === 'false' && button) { button.click(); }
  }, 150);
}, true);
})();</script>""".replace("PHONE_WIDTH", str(PHONE_WIDTH))


def close_sidebar_on_phone() -> None:
    """Rendered once per run at the sidebar's end (it takes no room)."""
    with st.sidebar:
        st.html(_CLOSE_ON_PICK, unsafe_allow_javascript=True, width="content")
