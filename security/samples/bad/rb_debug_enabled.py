# Bad: debug switched on in code (rule rb-debug-enabled).
from flask import Flask

app = Flask(__name__)


class Config:
    # ruleid: rb-debug-enabled
    DEBUG = True


# ruleid: rb-debug-enabled
app.debug = True
# ruleid: rb-debug-enabled
app.config["DEBUG"] = True
# ruleid: rb-debug-enabled
app.config.update(DEBUG=True)

if __name__ == "__main__":
    # ruleid: rb-debug-enabled
    app.run(host="127.0.0.1", debug=True)
