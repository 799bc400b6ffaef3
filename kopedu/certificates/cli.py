"""`flask --app wsgi certificates …` commands."""
import click
from flask import current_app

from kopedu.certificates import bp


@bp.cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker_command(burst: bool):
    """Run an RQ worker for certificate jobs (bulk ZIP exports); needs REDIS_URL."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.ClickException("REDIS_URL is not set: without it exports run inside the web process.")
    from redis import Redis
    from rq import Queue, SimpleWorker

    connection = Redis.from_url(url)
    queue = Queue(current_app.config.get("RQ_QUEUE", "kopedu"), connection=connection)
    # SimpleWorker runs each job in this process, inside this app context (no fork, no second app).
    SimpleWorker([queue], connection=connection).work(burst=burst)
