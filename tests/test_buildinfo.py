"""w2v.show_config(), w2v.get_config() and `w2v show-config`: the build is reported."""

import io
import json
import subprocess
import sys
from importlib import resources

import w2v


def test_the_build_left_its_record_next_to_the_extensions():
    info = json.loads(resources.files("w2v").joinpath("_build_info.json").read_text())
    assert info["compiler"]["args"]
    assert info["built_against"]["numpy"]
    assert info["built_against"]["python"].count(".") == 2


def test_get_config_reports_build_runtime_and_blas():
    config = w2v.get_config()
    assert config["version"] == w2v.__version__
    compiler = config["build"]["compiler"]
    # The flags recorded by the build are the ones compiled into the kernels.
    assert " ".join(compiler["args"]) == compiler["compile_args_in_extension"]
    assert config["runtime"]["numpy"] and config["runtime"]["scipy"]
    assert config["runtime"]["usable_cpus"] >= 1
    pools = config["blas"]["threadpools"]
    assert any(pool["user_api"] == "blas" for pool in pools)


def test_show_config_prints_every_section():
    out = io.StringIO()
    w2v.show_config(file=out)
    text = out.getvalue()
    assert text.startswith(f"w2v {w2v.__version__}\n")
    for section in ("build:", "runtime:", "blas:", "compiler:", "num_threads:"):
        assert section in text


def test_show_config_command():
    result = subprocess.run([sys.executable, "-m", "w2v", "show-config"], capture_output=True,
                            text=True, check=True, timeout=120)
    assert result.stdout.startswith(f"w2v {w2v.__version__}\n")
    assert "threadpools:" in result.stdout
