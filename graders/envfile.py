"""Keep environment.yml in step with requirements.lock (the pip lock is the source of truth).

``python -m graders.envfile`` rewrites environment.yml from requirements.lock.
"""
from __future__ import annotations

import re
from pathlib import Path

from graders.sources import ROOT

LOCK = ROOT / "requirements.lock"
ENV_FILE = ROOT / "environment.yml"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)")


def normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lines) -> dict[str, str]:
    """``{normalised name: version}`` for every ``name==version`` line."""
    out = {}
    for line in lines:
        match = PIN.match(line.strip().lstrip("- ").strip())
        if match:
            out[normalise(match.group(1))] = match.group(2)
    return out


def lock_pins() -> dict[str, str]:
    return pins(LOCK.read_text().splitlines())


def env_pins() -> dict[str, str]:
    return pins(ENV_FILE.read_text().splitlines())


def render() -> str:
    lines = [
        "# Conda environment equivalent to requirements.lock (generated: python -m graders.envfile).",
        "# `make lab` uses a plain venv and the pip lock; this file is for conda users.",
        "name: cnn-course",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        "  - python=3.11",
        "  - pip",
        "  - pip:",
    ]
    for line in LOCK.read_text().splitlines():
        if PIN.match(line.strip()):
            lines.append(f"      - {line.strip()}")
    lines.append("      - -e .")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    ENV_FILE.write_text(render())
    print(f"wrote {ENV_FILE.relative_to(ROOT)} ({len(lock_pins())} packages)")
