"""moto's server for the test suites, with two faults of moto worked around.

1. moto_server runs werkzeug threaded, and moto's DynamoDB is not thread-safe:
   under concurrent transactions it copies a table while another thread
   changes it and answers HTTP 500 ("RuntimeError: dictionary changed size
   during iteration"). Here the same application is served one request at a
   time.
2. moto's TransactWriteItems backs up the whole table once for *every item* of
   the transaction (copy.deepcopy inside the per-item loop), so a 100-item
   transaction on a table of N items costs 100 deep copies of N items. Here
   each table is copied once per transaction, which is what the backup needs.

Neither changes what DynamoDB operations answer; real DynamoDB has neither
fault.

Usage: python tests/moto_server.py PORT
"""

import copy
import sys

import moto.dynamodb.models as dynamodb_models
from moto.server import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import run_simple

_transact_write_items = dynamodb_models.DynamoDBBackend.transact_write_items


def _transact_write_items_copying_each_table_once(self, transact_items):
    real_deepcopy = copy.deepcopy
    copies = {}

    def deepcopy_table_once(obj, *args, **kwargs):
        if isinstance(obj, dynamodb_models.Table):
            if id(obj) not in copies:
                copies[id(obj)] = real_deepcopy(obj, *args, **kwargs)
            return copies[id(obj)]
        return real_deepcopy(obj, *args, **kwargs)

    copy.deepcopy = deepcopy_table_once
    try:
        return _transact_write_items(self, transact_items)
    finally:
        copy.deepcopy = real_deepcopy


dynamodb_models.DynamoDBBackend.transact_write_items = _transact_write_items_copying_each_table_once


def main() -> None:
    port = int(sys.argv[1])
    run_simple("127.0.0.1", port, DomainDispatcherApplication(create_backend_app), threaded=False)


if __name__ == "__main__":
    main()
