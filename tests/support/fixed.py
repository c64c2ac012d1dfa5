"""Moments every suite agrees on (importable from any test module)."""

from datetime import datetime

# A Monday in La Paz; the demo ledger's story ends here.
DEMO_NOW = datetime(2026, 11, 30, 10, 0)
