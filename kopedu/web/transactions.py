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
"""
import psycopg
from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError

WROTE = "kopedu.wrote"  # in Connection.info: this transaction ran something other than a SELECT


def _begin(connection) -> None:
    connection.info[WROTE] = False


def _before_cursor_execute(connection, cursor, statement, parameters, context, executemany) -> None:
    if statement.lstrip()[:6].upper() != "SELECT":
        connection.info[WROTE] = True


def register(app: Flask, db) -> None:
    """Call after db.init_app(app): teardown functions run last-registered first, so this one runs
    before Flask-SQLAlchemy removes the session."""
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        return
    with app.app_context():
        event.listen(db.engine, "begin", _begin)
        event.listen(db.engine, "before_cursor_execute", _before_cursor_execute)

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
