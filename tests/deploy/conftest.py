"""The deployment tests use the throwaway servers of the fault tests."""
from tests.faults.conftest import pg  # noqa: F401 - the fixture
