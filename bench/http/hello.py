"""The baseline: a hello-world Flask app, served under the same gunicorn settings as sharemap."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "hello, world"
