"""Streamlit-side helpers shared by the pages: session, wiring, safe rendering."""
