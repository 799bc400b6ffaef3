"""The deployment tests use the throwaway servers of the fault tests."""
from tests.faults.conftest import pg, redis_server  # noqa: F401 - fixtures
