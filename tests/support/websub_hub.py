"""A real WebSub hub and subscriber for tests/websub.rs: flask-websub's own Hub
and Subscriber in one Flask app on 127.0.0.1 (an ephemeral port).

The glue here only wires them up and talks to the test: it prints one JSON
object a line on stdout ({"event": "listening", "hub": URL} first, then
"subscribed" and "notified" events), and reads commands a line on stdin
("subscribe URL": discover the hub and topic from URL's Link header, the way
any WebSub subscriber does, and subscribe). Celery runs tasks eagerly (in the
request that queues them), so no broker is needed. Exits when stdin closes.
"""

import json
import sys
import tempfile
import threading

from celery import Celery
from flask import Flask
from flask_websub.hub import Hub, SQLite3HubStorage
from flask_websub.subscriber import (Subscriber, SQLite3SubscriberStorage,
                                     SQLite3TempSubscriberStorage, discover)
from werkzeug.serving import make_server

lock = threading.Lock()


def say(event, **fields):
    with lock:
        print(json.dumps(dict(event=event, **fields)), flush=True)


def main():
    state = tempfile.mkdtemp(prefix="websub-hub-")
    app = Flask(__name__)
    app.config["PUBLISH_SUPPORTED"] = True

    celery = Celery("hub", broker="memory://", backend="cache+memory://")
    celery.conf.task_always_eager = True
    celery.conf.task_eager_propagates = False

    hub = Hub(SQLite3HubStorage(state + "/hub.db"), celery,
              PUBLISH_SUPPORTED=True, REQUEST_TIMEOUT=5, BACKOFF_BASE=0.1)
    app.register_blueprint(hub.build_blueprint(url_prefix="/hub"))

    subscriber = Subscriber(SQLite3SubscriberStorage(state + "/sub.db"),
                            SQLite3TempSubscriberStorage(state + "/temp.db"),
                            REQUEST_TIMEOUT=5)
    app.register_blueprint(subscriber.build_blueprint(url_prefix="/callbacks"))

    @subscriber.add_success_handler
    def on_success(topic_url, callback_id, mode):
        say(mode + "d", topic=topic_url)

    @subscriber.add_error_handler
    def on_error(topic_url, callback_id, reason):
        say("denied", topic=topic_url, reason=reason)

    @subscriber.add_listener
    def on_notification(topic_url, callback_id, body):
        say("notified", topic=topic_url,
            body=body.decode("utf-8", errors="replace"))

    server = make_server("127.0.0.1", 0, app, threaded=True)
    port = server.server_address[1]
    app.config["SERVER_NAME"] = "127.0.0.1:%d" % port
    threading.Thread(target=server.serve_forever, daemon=True).start()
    say("listening", hub="http://127.0.0.1:%d/hub" % port)

    for line in sys.stdin:
        command, _, arg = line.strip().partition(" ")
        if command == "subscribe":
            try:
                with app.app_context():
                    subscriber.subscribe(**discover(arg))
            except Exception as e:  # reported to the test, which fails with it
                say("error", what="subscribe", message=repr(e))
    server.shutdown()


if __name__ == "__main__":
    main()
