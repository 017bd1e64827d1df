#!/usr/bin/env python3
"""A neighbour-query web service: one model memory-mapped into several worker processes.

A WSGI application (``create_app``) that answers ``GET /similar?word=king&topn=10`` with the
nearest words as JSON, and ``GET /health`` with what it serves. The model is loaded once,
memory-mapped (``KeyedVectors.load(path, mmap="r")``), with its norms and key table built, and
then the process forks its workers: every worker reads the same pages of the file, so N
workers hold one copy of the vectors, not N. An ``AnnIndex`` (``--index``) is mapped the same
way.

Run it with the standard library alone (POSIX: the workers are forked)::

    python examples/neighbours_service.py vectors.kv --workers 4 --port 8000
    curl 'http://127.0.0.1:8000/similar?word=king&topn=5'

or under gunicorn, which does the same with ``--preload`` (load in the master, then fork)::

    gunicorn --preload -w 4 -b 127.0.0.1:8000 \\
        --chdir examples 'neighbours_service:create_app("vectors.kv")'

This is an example to copy from, not part of the w2v package (``bench/bench_service.py``
measures it; the serving guide has the figures).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import signal
import socket
import sys
from typing import Callable, Iterable
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from w2v import KeyedVectors

#: Largest ``topn`` a request may ask for.
MAX_TOPN = 1000

StartResponse = Callable[[str, list], object]


def create_app(model: str, index: str | None = None) -> Callable[[dict, StartResponse], Iterable[bytes]]:
    """The WSGI application serving ``model`` (and answering from ``index`` if given).

    Everything a request needs is made here, before any worker starts: the mapping, the
    norms (one float per word) and the key table, so that workers share them and the first
    request is as fast as the others.
    """
    vectors = KeyedVectors.load(model, mmap="r")
    vectors.fill_norms()
    len(vectors.key_to_index)  # builds the key table now (and raises now if it is damaged)
    indexer = None
    if index:
        from w2v.index import AnnIndex
        indexer = AnnIndex.load(index, vectors)
    health = json.dumps({"model": os.path.basename(model), "keys": len(vectors), "vector_size": vectors.vector_size,
                         "dtype": vectors.vectors.dtype.name, "index": repr(indexer) if indexer else None})

    def app(environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        path, query = environ.get("PATH_INFO", ""), parse_qs(environ.get("QUERY_STRING", ""))
        if path == "/health":
            return respond(start_response, "200 OK", health)
        if path != "/similar":
            return respond(start_response, "404 Not Found", json.dumps({"error": f"no such path {path}"}))
        word = query.get("word", [""])[0]
        try:
            topn = int(query.get("topn", ["10"])[0])
        except ValueError:
            topn = -1
        if not 1 <= topn <= MAX_TOPN:
            return respond(start_response, "400 Bad Request", json.dumps({"error": f"topn must be 1..{MAX_TOPN}"}))
        if word not in vectors:
            return respond(start_response, "404 Not Found", json.dumps({"error": f"unknown word {word!r}"}))
        neighbours = vectors.most_similar(word, topn=topn, indexer=indexer)
        return respond(start_response, "200 OK", json.dumps({"word": word, "neighbours": neighbours}))

    return app


def respond(start_response: StartResponse, status: str, body: str) -> list[bytes]:
    data = body.encode("utf-8")
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
    return [data]


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # no line per request on stderr
        pass


def serve(app: Callable, listener: socket.socket) -> None:
    """Answer requests on the shared listening socket until killed (one worker)."""
    host, port = listener.getsockname()[:2]
    server = WSGIServer((host, port), QuietHandler, bind_and_activate=False)
    server.socket.close()
    server.socket = listener  # what server_bind() would have done, on the socket every worker shares
    server.server_name, server.server_port = socket.getfqdn(host), port
    server.setup_environ()
    server.set_app(app)
    server.serve_forever()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve nearest-word queries from one memory-mapped model.")
    parser.add_argument("model", help="a w2v native vectors file (KeyedVectors.save)")
    parser.add_argument("--index", help="an AnnIndex file of the model (AnnIndex.save)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    # One BLAS thread per worker: N workers on N cores, not N x N threads.
    from threadpoolctl import threadpool_limits
    threadpool_limits(1)
    app = create_app(args.model, args.index)
    listener = socket.create_server((args.host, args.port), backlog=128)
    gc.freeze()  # objects made so far are never collected, so the collector does not write to shared pages
    workers = []
    for _ in range(args.workers):
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            try:
                serve(app, listener)
            finally:
                os._exit(0)
        workers.append(pid)
    print(f"serving {args.model} on http://{args.host}:{listener.getsockname()[1]} with {len(workers)} workers "
          f"(pids {' '.join(map(str, workers))})", file=sys.stderr, flush=True)

    def stop(signum: int, frame: object) -> None:
        for pid in workers:
            os.kill(pid, signal.SIGTERM)
        raise SystemExit(0)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for pid in workers:
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
