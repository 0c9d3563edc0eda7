"""moto's server for the test suites, with moto's faults worked around.

1. moto_server runs werkzeug threaded, and moto's DynamoDB is not thread-safe:
   under concurrent transactions it copies a table while another thread
   changes it and answers HTTP 500 ("RuntimeError: dictionary changed size
   during iteration"). Here every request runs inside moto one at a time
   (one lock), though each connection has its own thread.
2. moto's TransactWriteItems backs up the whole table once for *every item* of
   the transaction (copy.deepcopy inside the per-item loop), so a 100-item
   transaction on a table of N items costs 100 deep copies of N items. Here
   each table is copied once per transaction, which is what the backup needs.
3. An SQS long poll (ReceiveMessage with WaitTimeSeconds) would hold that lock
   for its whole wait, so a SendMessage made meanwhile waited behind it and
   the poll came back empty. Here a long poll is a series of short polls
   (WaitTimeSeconds 0) taken under the lock, with naps outside it, until a
   message comes or the wait is over: what SQS's long polling answers.
4. moto accepts any receipt handle a message ever had. AWS does not: a
   receipt is replaced when the message is received again, and then
   ChangeMessageVisibility with the old one fails (InvalidParameterValue,
   "Message does not exist or is not available for visibility timeout
   change") and DeleteMessage with the old one answers success but deletes
   nothing (documented for DeleteMessage). moto deleted the message, out
   from under its new receiver. Here both behave as AWS documents.

None of these changes what DynamoDB or SQS answer; real AWS has none of the
faults. docs/queue.md records what moto's SQS does.

Usage: python tests/moto_server.py PORT
"""

import copy
import io
import json
import sys
import threading
import time

import moto.dynamodb.models as dynamodb_models
import moto.sqs.models as sqs_models
from moto.server import DomainDispatcherApplication, create_backend_app
from moto.sqs.exceptions import InvalidParameterValue
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


def _is_outdated(message, receipt_handle):
    """A receipt the message had on an earlier delivery, not its current one."""
    return receipt_handle != message.receipt_handle and receipt_handle in message._old_receipt_handles


_change_message_visibility = sqs_models.SQSBackend.change_message_visibility


def _change_message_visibility_current_receipt_only(self, queue_name, receipt_handle, visibility_timeout):
    queue = self.get_queue(queue_name)
    if any(_is_outdated(m, receipt_handle) for m in queue._messages):
        raise InvalidParameterValue(
            f"Value {receipt_handle} for parameter ReceiptHandle is invalid. Reason: Message does "
            "not exist or is not available for visibility timeout change."
        )
    return _change_message_visibility(self, queue_name, receipt_handle, visibility_timeout)


sqs_models.SQSBackend.change_message_visibility = _change_message_visibility_current_receipt_only

_delete_message = sqs_models.Queue.delete_message


def _delete_message_current_receipt_only(self, receipt_handle):
    if any(_is_outdated(m, receipt_handle) for m in self._messages):
        return  # AWS: "the request will succeed, but the message might not be deleted"
    return _delete_message(self, receipt_handle)


sqs_models.Queue.delete_message = _delete_message_current_receipt_only

LONG_POLL_NAP = 0.02


class OneRequestAtATime:
    """Runs each request inside moto under one lock (1), turning SQS long
    polls into short polls with naps outside the lock (3)."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        wait = 0.0
        if environ.get("HTTP_X_AMZ_TARGET") == "AmazonSQS.ReceiveMessage":
            params = json.loads(body or b"{}")
            requested = params.get("WaitTimeSeconds")
            if isinstance(requested, int) and 0 < requested <= 20:
                wait = float(requested)
                params["WaitTimeSeconds"] = 0
                body = json.dumps(params).encode()
        deadline = time.monotonic() + wait
        while True:
            status, headers, chunks = self._call(environ, body)
            if wait == 0 or time.monotonic() >= deadline or not status.startswith("200"):
                break
            if json.loads(b"".join(chunks) or b"{}").get("Messages"):
                break
            time.sleep(LONG_POLL_NAP)
        start_response(status, headers)
        return chunks

    def _call(self, environ, body):
        environ = dict(environ)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        response = {}
        chunks = []

        def start_response(status, headers, exc_info=None):
            response["status"], response["headers"] = status, headers
            return chunks.append

        with self.lock:
            result = self.app(environ, start_response)
            try:
                chunks.extend(result)
            finally:
                if hasattr(result, "close"):
                    result.close()
        return response["status"], response["headers"], chunks


def main() -> None:
    port = int(sys.argv[1])
    app = OneRequestAtATime(DomainDispatcherApplication(create_backend_app))
    run_simple("127.0.0.1", port, app, threaded=True)


if __name__ == "__main__":
    main()
