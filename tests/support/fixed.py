"""What every suite agrees on (importable from any test module): the demo's moment and the
tests' ledger key."""

import base64
from datetime import datetime

from core.domain.chain import Sealer

# A Monday in La Paz; the demo ledger's story ends here.
DEMO_NOW = datetime(2026, 11, 30, 10, 0)

# The tests' ledger key (a deployment's comes from its own configuration).
TEST_SEALER = Sealer({"k1": b"clave-de-prueba-de-32-bytes-o-mas!!"}, "k1")

# The same key as a deployment configures it (base64 in RRSS_LEDGER_KEY).
TEST_KEY = base64.urlsafe_b64encode(TEST_SEALER.keys["k1"]).decode("ascii").rstrip("=")
TEST_ENV = {"RRSS_LEDGER_KEY": TEST_KEY}  # wiring.Settings(..., env=TEST_ENV): the tests' key
