import json
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import tensorflow as tf
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    from fer_lib.data.synthetic import generate_faces
    from fer_lib.train.config import TrainConfig
    from fer_lib.train.loop import train
    faces = generate_faces(200, seed=3)
    x, y = faces.images, faces.labels
    cfg = TrainConfig(width=0.125, epochs=1, batch_size=32, distribution=sys.argv[2], precision="float32")
    record = train(cfg, x[:160], y[:160], x[160:], y[160:], sys.argv[1])
    print(json.dumps({"replicas": record["replicas"], "status": record["status"]}))
    """
)


@pytest.mark.slow
def test_mirrored_strategy_trains_on_two_logical_cpus(tmp_path):
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(tmp_path / "run"), "mirrored"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result == {"replicas": 2, "status": "completed"}
    assert (tmp_path / "run" / "model.keras").is_file()


def test_each_distribution_names_the_backend_it_needs():
    from fer_lib.train.loop import _distribution_scope

    with pytest.raises(ValueError, match="needs KERAS_BACKEND=jax"):
        _distribution_scope("data_parallel")  # this process runs TensorFlow
    with pytest.raises(ValueError, match="unknown distribution 'tpu'"):
        _distribution_scope("tpu")
