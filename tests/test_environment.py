"""The conda environment file lists exactly the pip lock's packages and versions."""
from graders.envfile import ENV_FILE, env_pins, lock_pins, render


def test_environment_yml_matches_lock():
    assert env_pins() == lock_pins()


def test_environment_yml_is_the_generated_one():
    assert ENV_FILE.read_text() == render()


def test_lock_pins_the_course_packages():
    pins = lock_pins()
    for package in ["jupyterlab", "numpy", "nbgrader", "matplotlib", "pytest", "jupytext",
                    "keras", "h5py", "nbclient"]:
        assert package in pins, package
    assert "tensorflow" in pins or "tensorflow-cpu" in pins
    assert pins["keras"].startswith("3.")
