"""Shut down the kernels of closed notebook and dashboard tabs on Binder: `python scripts/server_culling.py`.

binder/postBuild runs this once, when Binder builds the image. A Binder session has 1-2 GB of memory and every
kernel of this course holds ~0.9 GB with TensorFlow, so a kernel left behind by a closed tab (JupyterLab keeps
it; so does a Voila page that was killed instead of closed) stops the next notebook from starting. Jupyter's
culler shuts down a kernel that has had no tab connected and no activity for IDLE_S seconds; a kernel whose
tab is open is never culled. The settings are merged into the user's jupyter_server_config.json (jupyter_server
reads that file; it does not read a jupyter_server_config.d/ folder for these), keeping anything already there.
"""
import json
import sys
from pathlib import Path

IDLE_S = 300       # five minutes: a closed tab's kernel is gone before the next notebook needs the memory
INTERVAL_S = 60
SETTINGS = {"MappingKernelManager": {"cull_idle_timeout": IDLE_S, "cull_interval": INTERVAL_S,
                                     "cull_connected": False, "cull_busy": False}}


def write(config_dir):
    """Merge SETTINGS into config_dir/jupyter_server_config.json; return its path."""
    path = Path(config_dir) / "jupyter_server_config.json"
    config = json.loads(path.read_text()) if path.exists() else {}
    for section, values in SETTINGS.items():
        config.setdefault(section, {}).update(values)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config, indent=2) + "\n")
    return path


if __name__ == "__main__":
    from jupyter_core.paths import jupyter_config_dir
    print("kernel culling written to", write(sys.argv[1] if len(sys.argv) > 1 else jupyter_config_dir()))
