"""utils.quiet_import: TensorFlow's start-up notices stay off stderr; everything else is kept."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from graders.sources import ROOT

NOTICE = ("I0000 00:00:1796329987.017170    1533 port.cc:153] oneDNN custom operations are on. "
          "You may see slightly different numerical results due to floating-point round-off errors.")


def run(code: str, tmp_path, **env) -> subprocess.CompletedProcess:
    """``code`` in a fresh interpreter, whose file descriptor 2 is captured."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    full_env.update(PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]), **env)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=tmp_path, env=full_env,
                          capture_output=True, text=True, timeout=300)


def write_noisy_module(tmp_path, fail: bool = False) -> None:
    """A module that, like TensorFlow's C++ code, writes to file descriptor 2 on import."""
    (tmp_path / "noisy.py").write_text(textwrap.dedent(f"""\
        import os
        os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\\n")
        os.write(2, {NOTICE!r}.encode() + b"\\n")
        os.write(2, b"W real trouble: libcuda.so.1 is broken\\n")
        VALUE = 42
        if {fail}:
            raise ImportError("noisy cannot load")
        """))


def test_notices_are_dropped_and_other_lines_kept(tmp_path):
    write_noisy_module(tmp_path)
    result = run("""
        from utils.quiet_import import quiet_import
        print(quiet_import("noisy").VALUE)
        import os; os.write(2, b"after the import\\n")
        """, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "42\n"
    assert result.stderr == "W real trouble: libcuda.so.1 is broken\nafter the import\n"


def test_a_failing_import_raises_and_restores_stderr(tmp_path):
    write_noisy_module(tmp_path, fail=True)
    result = run("""
        import sys
        from utils.quiet_import import quiet_import
        try:
            quiet_import("noisy")
        except ImportError as error:
            print("raised:", error, file=sys.stderr)
        """, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == "W real trouble: libcuda.so.1 is broken\nraised: noisy cannot load\n"


def test_tensorflow_imports_silently_with_onednn_on(tmp_path):
    """A plain import prints oneDNN's notice (so the test can fail); ``import_tensorflow`` does
    not, and oneDNN stays on."""
    plain = run("import tensorflow", tmp_path, TF_ENABLE_ONEDNN_OPTS="1")
    assert "oneDNN custom operations are on" in plain.stderr
    quiet = run("""
        from utils.quiet_import import import_tensorflow
        tf = import_tensorflow()
        import keras
        from tensorflow.python.util import _pywrap_util_port
        print(_pywrap_util_port.IsMklEnabled(), float(keras.ops.sum(keras.ops.ones((2, 3)))))
        """, tmp_path, TF_ENABLE_ONEDNN_OPTS="1")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == ""
    assert quiet.stdout == "True 6.0\n"
