# cnn-course: `make lab` sets everything up and opens JupyterLab; `make test` runs the suite.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

DATA   := data/synthetic/.generated

.PHONY: lab setup data bwrap chromium weights detector face-encoder grade test test-fast build check refs solutions student-kit bench bench-distributed bench-conv bench-detector bench-faces bench-style clean help

help:
	@echo "make lab        set up .venv and open JupyterLab on the course"
	@echo "make test       run the whole test suite (what CI runs)"
	@echo "make solutions  write executed solution notebooks to solutions/"
	@echo "make build      regenerate the student notebooks in weeks/ from graders/source/"
	@echo "make refs       regenerate graders/reference/ from the solutions"
	@echo "make check      fail if weeks/ is out of sync with graders/source/"
	@echo "make student-kit  write dist/cnn-course-student/ and its .zip: notebooks, utils, data, no solutions"
	@echo "make bench      print the course's speed figures: notebooks end to end, grading, Week 1 convolution"
	@echo "make bench-conv print the Week 1 convolution benchmark alone"
	@echo "make bench-distributed  grade one class by the local pool and by Dask on this machine; project machines for 10,000"
	@echo "make bench-detector  print the Week 3 detector's mAP@0.5 per class, speed and size"
	@echo "make bench-faces     print the Week 4 face encoder's verification accuracy, speed and size"
	@echo "make bench-style     time Week 4's style transfer (per step, to a stylised picture, gallery)"
	@echo "make data       generate the image datasets in data/synthetic/"
	@echo "make grade      autograde every submission in submitted/ in parallel (gradebook.db, grades.csv);"
	@echo "                SCHEDULER=tcp://HOST:8786 grades on that Dask cluster"
	@echo "make weights    retrain the shipped ResNet-50 weights (about 20 min on 2 cores)"
	@echo "make detector   retrain the shipped Week 3 road detector (about 20 min on 2 cores)"
	@echo "make face-encoder  retrain the shipped Week 4 face encoder (about 10-15 min on 2 cores)"

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

setup: $(STAMP)

# The image datasets are generated, not committed (about 20 s; see data/README.md).
$(DATA): $(STAMP) $(wildcard utils/synth/*.py)
	$(PY) -m utils.synth
	touch $(DATA)

data: $(DATA)

# The shipped weights are committed; this retrains them (see graders/trainers/resnet50.py).
weights: setup
	$(PY) -m graders.trainers.resnet50

# The same for Week 3's road detector, its anchors and class file (graders/trainers/road_detector.py).
detector: setup
	$(PY) -m graders.trainers.road_detector

# The same for Week 4's face encoder (graders/trainers/face_encoder.py).
face-encoder: setup
	$(PY) -m graders.trainers.face_encoder

# The batch grader runs students' kernels under bubblewrap (Debian package `bubblewrap`).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
bwrap:
	@command -v bwrap >/dev/null || $(SUDO) apt-get install -y -qq bubblewrap >/dev/null 2>&1 \
	  || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq bubblewrap) \
	  || echo "could not install bubblewrap: sandboxed grading and its tests need it"

# The browser tests (tests/test_browser.py) drive Debian's Chromium (package `chromium`).
chromium:
	@[ -x /usr/bin/chromium ] || $(SUDO) apt-get install -y -qq chromium >/dev/null 2>&1 \
	  || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium) \
	  || echo "could not install chromium: the browser tests (tests/test_browser.py) need it"

# The nbgrader source notebooks (git-ignored) that the Formgrader's buttons read, written from
# the jupytext sources when missing or older (`make build` writes them too, and weeks/ as well).
SOURCE_NBS := $(patsubst %.py,%.ipynb,$(wildcard graders/source/*/*.py))

$(SOURCE_NBS): graders/source/%.ipynb: graders/source/%.py graders/sources.py | $(STAMP)
	$(PY) -m graders.build sources $<

# The venv's bin comes first on PATH (nbgrader runs its `alembic` by name; nbgrader_config.py
# does the same for servers started otherwise). LAB_ARGS adds options, e.g. --no-browser.
# nbgrader's Validate button, answered by utils/lab_validate.py (a summary line first).
LAB_SERVER_OPTIONS := --ServerApp.jpserver_extensions=utils.lab_validate=True \
  --ServerApp.jpserver_extensions=nbgrader.server_extensions.validate_assignment=False
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
lab: setup data $(SOURCE_NBS)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" TF_CPP_MIN_LOG_LEVEL=3 $(VENV)/bin/jupyter lab \
	  --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/weeks $(LAB_SERVER_OPTIONS) \
	  $(ALLOW_ROOT) $(LAB_ARGS)

# What a class receives: no solutions, no hidden tests (graders/kit.py; tests/test_kit.py).
student-kit: setup
	$(PY) -m graders.kit

test: setup data bwrap chromium
	$(PY) -m pytest -q -n 2 --dist loadfile --durations=15

test-fast: setup data
	$(PY) -m pytest -q -m "not slow"

# SCHEDULER=tcp://HOST:8786: grade on that Dask cluster (README: "Grading on several machines").
grade: setup data bwrap
	$(PY) -m graders autograde $(if $(SCHEDULER),--scheduler $(SCHEDULER))

build: setup
	$(PY) -m graders build

check: setup
	$(PY) -m graders check

refs: setup data
	$(PY) -m graders refs

solutions: setup data
	$(PY) -m graders solutions
	@echo "Open them with: $(VENV)/bin/jupyter lab solutions"

# About 25 minutes on 2 cores; README's "Performance" section shows the latest run.
bench: setup data bwrap
	$(PY) bench/course.py

bench-conv: setup
	$(PY) bench/conv.py

# The local pool against Dask on loopback, a killed worker's recovery, a projection (minutes).
bench-distributed: setup data bwrap
	$(PY) bench/distributed.py

bench-detector: setup
	$(PY) bench/detector_map.py

bench-faces: setup
	$(PY) bench/face_verify.py

bench-style: setup
	$(PY) bench/style_transfer.py

clean:
	rm -rf solutions submitted autograded feedback gradebook.db exchange week[0-9]* .pytest_cache dist

# Re-pin after changing the venv by hand: writes requirements.lock and environment.yml.
lock: setup
	$(PY) -m pip freeze --exclude-editable > requirements.lock
	$(PY) -m graders.envfile
