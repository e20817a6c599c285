"""Entry point: starts the HTTP server first (answering /live), then loads the job class, then turns ready."""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
from typing import List, Optional

from racetrack_job_wrapper.app import App, split_prefix
from racetrack_job_wrapper.concurrency import ConcurrencyGate
from racetrack_job_wrapper.docs import SwaggerDocs
from racetrack_job_wrapper.health import HealthState
from racetrack_job_wrapper.loader import load_entrypoint
from racetrack_job_wrapper.metrics import Metrics
from racetrack_job_wrapper.server import HttpServer, inherited_listener, listen

logger = logging.getLogger('racetrack_job_wrapper')
INIT_FAILURE_GRACE_SECONDS = 2  # /live reports the error for this long before the process exits
DRAIN_SECONDS = 4  # on SIGTERM, calls in flight get this long to finish (the supervisor kills at 5 s)


def exit_when_orphaned(supervisor_pid: int) -> None:
    """A local job lives only as long as the server that started it: if that process dies (even by
    kill -9, which gives it no chance to stop us), the job ends too instead of running unowned."""
    def watch() -> None:
        while os.getppid() == supervisor_pid:
            time.sleep(1)
        logger.warning('the racetrack server (pid %d) is gone; stopping', supervisor_pid)
        os._exit(0)
    threading.Thread(target=watch, name='supervisor-watch', daemon=True).start()


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog='python3 -m racetrack_job_wrapper', description='Serve a Racetrack python3 job over HTTP')
    parser.add_argument('--entrypoint-path', required=True, help='the .py file with the job class, relative to the job root (cwd)')
    parser.add_argument('--entrypoint-class', default=None, help='class name (default: the first class defined in the file)')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=None, help='0 picks a free port (printed on stderr)')
    parser.add_argument('--listen-fd', type=int, default=None, help='serve on this inherited listening socket instead of --host/--port')
    parser.add_argument('--home-page', default='/docs', help='where GET / redirects to')
    parser.add_argument('--max-concurrency', type=int, default=0, help='concurrent job calls at most (0: unlimited)')
    parser.add_argument('--max-concurrency-queue', type=int, default=None, help='calls waiting at most (default: unlimited)')
    parser.add_argument('--swagger-ui-dir', default=None, help='folder of the swagger-ui-dist package')
    args = parser.parse_args(argv)
    if (args.port is None) == (args.listen_fd is None):
        parser.error('give either --port or --listen-fd')
    return args


def main() -> None:
    args = parse_args()
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format='%(asctime)s %(levelname)s %(name)s: %(message)s')
    health = HealthState(os.environ.get('JOB_NAME', ''), os.environ.get('JOB_VERSION', ''))
    # the handler writes a byte the main thread waits to read: a pipe takes no lock (an Event does, which the
    # interrupted main thread may hold), and the read returns at once instead of at the next poll
    stop_read, stop_write = os.pipe()

    def on_sigterm(*_: object) -> None:
        if not health.ready:
            sys.exit(0)  # nothing is served yet: stop loading the job at once
        os.write(stop_write, b'x')

    signal.signal(signal.SIGTERM, on_sigterm)
    if os.environ.get('RACETRACK_SUPERVISOR_PID', '').isdigit():
        exit_when_orphaned(int(os.environ['RACETRACK_SUPERVISOR_PID']))
    metrics = Metrics()
    app = App(health, metrics, SwaggerDocs(health.job_name, args.swagger_ui_dir), args.home_page)
    listener = inherited_listener(args.listen_fd) if args.listen_fd is not None else listen(args.host, args.port)
    server = HttpServer(listener, app.handle, split_prefix)
    server.start()
    logger.info('listening on http://%s:%d', server.host, server.port)

    try:
        job = load_entrypoint(args.entrypoint_path, args.entrypoint_class)
        gate = ConcurrencyGate(args.max_concurrency, args.max_concurrency_queue) if args.max_concurrency > 0 else None
        app.mount_job(job, gate, os.getcwd())
    except Exception as e:
        logger.exception('the job failed to initialise')
        health.error = f'{type(e).__name__}: {e}'
        time.sleep(INIT_FAILURE_GRACE_SECONDS)
        sys.exit(1)
    health.ready = True
    logger.info('job %s %s is ready', health.job_name, health.job_version)
    os.read(stop_read, 1)
    if not server.drain(DRAIN_SECONDS):
        logger.warning('stopping with calls still in flight after %d s', DRAIN_SECONDS)
    sys.exit(0)


if __name__ == '__main__':
    main()
