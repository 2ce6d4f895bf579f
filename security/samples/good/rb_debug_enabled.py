# Good: debug stays off (rule rb-debug-enabled must stay quiet).
import logging

from flask import Flask

app = Flask(__name__)
log = logging.getLogger(__name__)


class Config:
    # ok: rb-debug-enabled
    DEBUG = False


# ok: rb-debug-enabled
log.debug("starting %s", app.name)
if app.debug or app.config.get("DEBUG"):
    raise RuntimeError("Refusing to start: DEBUG is on in production.")
if __name__ == "__main__":
    # ok: rb-debug-enabled
    app.run(host="127.0.0.1")
