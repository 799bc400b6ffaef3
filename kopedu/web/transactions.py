"""End a request's read-only transaction with COMMIT instead of ROLLBACK, on PostgreSQL.

Flask-SQLAlchemy ends each request's session with a ROLLBACK, and psycopg forgets all its prepared
statements on every ROLLBACK (it cannot know whether the transaction dropped what they refer to). So the
statements a page runs on every request, which psycopg prepares from their sixth use on a connection,
would never be prepared, and PostgreSQL would parse and plan each of them every time. For a transaction
that only ran SELECTs, COMMIT and ROLLBACK end it the same way; ending those with COMMIT lets the
prepared statements live on (benches/RESULTS.md has the figures).

Only the driver sees the COMMIT: the session then rolls back as before (a no-op on a connection with no
transaction), so every ORM hook still sees a rollback. A transaction that wrote anything, or failed, or
holds unflushed changes, or a request that raised, ends exactly as before.

Also here, for the same connections: the check, at each checkout from the pool, that the server has not
closed the connection (see _checkout), in place of pool_pre_ping's round trip.
"""
import select

import psycopg
from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError

WROTE = "kopedu.wrote"  # in Connection.info: this transaction ran something other than a SELECT


def _begin(connection) -> None:
    connection.info[WROTE] = False


def _before_cursor_execute(connection, cursor, statement, parameters, context, executemany) -> None:
    if statement.lstrip()[:6].upper() != "SELECT":
        connection.info[WROTE] = True


def _checkout(dbapi_connection, connection_record, connection_proxy) -> None:
    """A pooled connection is idle: the server has nothing to say on it unless it closed it (a restart,
    a crash, an administrator's terminate, an idle timeout: the server sends its last message and
    closes the socket, or the kernel closes it for a killed backend). So a socket with something to
    read, or hung up, is a dead connection: DisconnectionError makes the pool throw it away and
    connect anew (each other dead connection is caught the same way at its own checkout). One poll()
    system call instead of pool_pre_ping's round trip to the server (a SELECT 1 and its CPU on both
    sides, for every request). A connection lost without the server closing it (a cable cut) is
    only noticed by the query that fails: that request answers 500 and the pool is renewed."""
    if dbapi_connection.closed or dbapi_connection.broken:
        raise DisconnectionError("the connection is closed")
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN | select.POLLPRI)
    if poller.poll(0):
        raise DisconnectionError("the server closed the connection")


def register(app: Flask, db) -> None:
    """Call after db.init_app(app): teardown functions run last-registered first, so this one runs
    before Flask-SQLAlchemy removes the session."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return
    with app.app_context():
        event.listen(db.engine, "begin", _begin)
        event.listen(db.engine, "before_cursor_execute", _before_cursor_execute)
        if not app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("pool_pre_ping"):
            event.listen(db.engine, "checkout", _checkout)

    @app.teardown_appcontext
    def commit_read_only(error) -> None:
        if error is not None or not db.session.registry.has():
            return
        session = db.session()
        if not session.in_transaction() or session.new or session.dirty or session.deleted:
            return
        try:
            connection = session.connection()
            if connection.info.get(WROTE, True):
                return
            driver = connection.connection.dbapi_connection
            if driver.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS:  # not failed
                driver.commit()
        except (psycopg.Error, SQLAlchemyError):
            # Nothing was written, so nothing is lost: the session's rollback that follows finds the
            # connection broken and the pool replaces it, as it would have without this.
            app.logger.warning("COMMIT of a read-only transaction failed", exc_info=True)
