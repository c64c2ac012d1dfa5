"""Placeholder while this page is being built (replaced in this same change set)."""

import streamlit as st

from ui import session

session.require_user()
st.title("atencion")
st.info("Esta página se está construyendo.")
