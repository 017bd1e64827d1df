"""The example service (examples/neighbours_service.py) answers as documented, without a network."""

import importlib.util
import io
import json
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import numpy as np
import pytest

from w2v import KeyedVectors

SERVICE = Path(__file__).resolve().parent.parent / "examples" / "neighbours_service.py"


@pytest.fixture(scope="module")
def service():
    if not SERVICE.exists():  # the tests run from a copy, away from the source tree (ci/test_installed.py)
        pytest.skip("examples/ is not beside the tests")
    spec = importlib.util.spec_from_file_location("neighbours_service", SERVICE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    kv = KeyedVectors(3)
    kv.add_vectors(["king", "queen", "car"], np.array([[1.0, 0.2, 0.0], [0.9, 0.3, 0.0], [0.0, 0.1, 1.0]]))
    path = tmp_path_factory.mktemp("model") / "vectors.kv"
    kv.save(path, dtype="float16")
    return path


def call(app, path, query=""):
    environ = {"PATH_INFO": path, "QUERY_STRING": query, "wsgi.input": io.BytesIO()}
    setup_testing_defaults(environ)
    answer = {}

    def start_response(status, headers):
        answer["status"], answer["headers"] = status, dict(headers)
    body = b"".join(app(environ, start_response))
    assert int(answer["headers"]["Content-Length"]) == len(body)
    return answer["status"], json.loads(body)


def test_the_service_answers_neighbour_queries(service, model):
    app = service.create_app(str(model))
    status, body = call(app, "/similar", "word=king&topn=1")
    assert status == "200 OK" and body["neighbours"][0][0] == "queen"
    assert call(app, "/health")[1]["dtype"] == "float16"
    assert call(app, "/similar", "word=nosuch")[0] == "404 Not Found"
    assert call(app, "/similar", "word=king&topn=zero")[0] == "400 Bad Request"
    assert call(app, "/other")[0] == "404 Not Found"


def test_the_service_answers_from_an_index(service, model, tmp_path):
    pytest.importorskip("faiss")
    from w2v.index import AnnIndex

    index = tmp_path / "vectors.ann"
    AnnIndex.build(KeyedVectors.load(model)).save(index)
    app = service.create_app(str(model), str(index))
    assert call(app, "/similar", "word=car&topn=2")[1]["neighbours"][0][0] in {"king", "queen"}
    assert "AnnIndex" in call(app, "/health")[1]["index"]
