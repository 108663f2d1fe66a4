"""The baseline every web benchmark is compared with: hello-world Flask under the same gunicorn settings."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello() -> str:
    return "Xin chào"
