"""TensorFlow's log noise, silenced in one place. Imported first by helpers/__init__.py.

TensorFlow reads the two environment variables when it is first imported, so they are set before
that; its Python logger and absl's are quietened right after.
"""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")     # no C++ INFO/WARNING start-up lines
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")    # no oneDNN notice, bit-stable CPU results

import absl.logging  # noqa: E402
import tensorflow as tf  # noqa: E402

absl.logging.set_verbosity(absl.logging.ERROR)
# Every (depth, batch size, recordings) is its own compiled graph of one function, which TensorFlow
# counts as "retracing" and warns about; here that warning would be a false alarm.
tf.get_logger().setLevel("ERROR")
