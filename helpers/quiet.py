"""TensorFlow's log noise, silenced in one place. Imported first by helpers/__init__.py.

TensorFlow reads the two environment variables when it is first imported, so they are set before
that; its Python logger and absl's are quietened right after.

Some lines escape both: TensorFlow's C++ libraries log a few lines before its log level is read (on Colab's
GPU stack: "E0000 ... Unable to register cuDNN factory", "computation placer already registered", "All log
messages before absl::InitializeLog() ..."). They are written straight to file descriptor 2, past Python's
sys.stderr, and Jupyter shows them in red under the set-up cell. So the first import of TensorFlow runs with
descriptor 2 pointed at a temporary file, and so does a first, tiny XLA compilation (older TensorFlow logs
its XLA start-up lines there); if either fails, what it wrote is shown with the error.
"""
import contextlib
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")     # no C++ INFO/WARNING start-up lines
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")    # no oneDNN notice, bit-stable CPU results

# XLA's persistent compilation cache: a program compiled once, by any earlier kernel (or by `make install` and
# Binder's postBuild, which warm it), loads from disk instead of compiling again; the explorer's first use of
# a depth drops from 1-2 s to under 0.1 s (idle machine; benchmarks/explorer_first_use.py). TensorFlow reads the flag at
# its first XLA compilation, so here, before TensorFlow is imported, is early enough. The same compiled
# program gives the same numbers, so outputs do not depend on the cache.
XLA_CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "deep-nets-course" / "xla"


def use_xla_cache(env=os.environ, directory=XLA_CACHE):
    """Add XLA's persistent cache to env's TF_XLA_FLAGS (unless it names one already); False if unwritable."""
    if "tf_xla_persistent_cache_directory" in env.get("TF_XLA_FLAGS", ""):
        return True
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError:             # a read-only home: compile every time, as before
        return False
    env["TF_XLA_FLAGS"] = f"{env.get('TF_XLA_FLAGS', '')} --tf_xla_persistent_cache_directory={directory}".strip()
    return True


if os.environ.get("COURSE_XLA_CACHE", "1") != "0":     # COURSE_XLA_CACHE=0 turns it off (benchmarks)
    use_xla_cache()


@contextlib.contextmanager
def native_stderr_captured():
    """Send what C/C++ code writes to descriptor 2 into a temporary file; replay it only if the block fails."""
    try:
        saved = os.dup(2)
    except OSError:  # no descriptor 2 (some embedded hosts): nothing to silence
        yield
        return
    with tempfile.TemporaryFile() as captured:
        sys.stderr.flush()
        os.dup2(captured.fileno(), 2)
        try:
            yield
        except BaseException:
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


def _add_one(x):
    return x + 1.0


if "tensorflow" not in sys.modules:
    with native_stderr_captured():
        import tensorflow as tf
else:
    import tensorflow as tf

import absl.logging  # noqa: E402

absl.logging.set_verbosity(absl.logging.ERROR)
# Every (depth, batch size, recordings) is its own compiled graph of one function, which TensorFlow
# counts as "retracing" and warns about; here that warning would be a false alarm.
tf.get_logger().setLevel("ERROR")

# Older TensorFlow (Colab's 2.19) logs "XLA service ... initialized" and "Compiled cluster using XLA!" at a
# process's first XLA compilation, whatever TF_CPP_MIN_LOG_LEVEL says: better here, silently, than under a
# student's cell. One tiny program costs a fraction of a second.
with native_stderr_captured():
    tf.function(_add_one, jit_compile=True, autograph=False)(tf.constant(0.0))
