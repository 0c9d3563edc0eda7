"""moto's server, one request at a time.

moto_server runs werkzeug threaded, and moto's DynamoDB TransactWriteItems is
not thread-safe: under concurrent transactions it copies a table while another
thread changes it and answers HTTP 500 ("RuntimeError: dictionary changed size
during iteration"). Real DynamoDB has no such fault, so the test harness serves
the very same moto application without threads.

Usage: python tests/moto_server.py PORT
"""

import sys

from moto.server import DomainDispatcherApplication as App, create_backend_app
from werkzeug.serving import run_simple


def main() -> None:
    port = int(sys.argv[1])
    run_simple("127.0.0.1", port, App(create_backend_app), threaded=False)


if __name__ == "__main__":
    main()
