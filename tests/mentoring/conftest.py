# ``mentor`` is imported from here by older tests; it lives in tests/personas.py, and
# ``dora`` is a fixture for every test (tests/conftest.py).
from tests.personas import mentor  # noqa: F401
