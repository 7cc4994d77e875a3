"""A ceiling for any database-backed endpoint: a minimal Flask app that answers a tile URL with
raw ST_AsMVT (run.RAW_MVT) over one persistent psycopg connection, nothing else."""

import os

import psycopg
from flask import Flask, Response
from run import RAW_MVT

app = Flask(__name__)
_conn: list[psycopg.Connection] = []


@app.get("/tiles/<int:z>/<int:x>/<int:y>.mvt")
def tile(z: int, x: int, y: int) -> Response:
    if not _conn:
        _conn.append(psycopg.connect(os.environ["RAW_DATABASE_URL"], autocommit=True))
    row = _conn[0].execute(RAW_MVT, {"z": z, "x": x, "y": y}, prepare=True).fetchone()
    return Response(bytes(row[0]) if row else b"", mimetype="application/vnd.mapbox-vector-tile")
