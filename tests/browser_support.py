"""Support for tests/test_browser.py: a course copy, a JupyterLab server started the way `make lab`
starts it, headless Chromium, and what a person sees on the page (cells, prompts, outputs,
dialogs), read from JupyterLab's DOM.

Nothing here writes to the repository but screenshots under artifacts/screenshots/.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import nbformat

from graders.sources import ROOT, Source, graded_function
from utils.lab_validate import LAB_SERVER_OPTIONS

CHROMIUM = Path("/usr/bin/chromium")
# Without the background-networking flags Chromium keeps trying to reach Google's services.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
VENV_BIN = Path(sys.executable).parent
TOKEN = "cnn-course-browser-test-token"
SERVER_DEADLINE = 240   # seconds for the server to answer (2 busy cores)
UI_TIMEOUT_MS = 120_000  # one page load, one click's effect, one cell
NOTEBOOK_PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook in the current tab
STDERR_MIME = "application/vnd.jupyter.stderr"  # how JupyterLab marks errors and stderr


# --------------------------------------------------------------------------- the course copy
def solved_notebook(source: Source) -> nbformat.NotebookNode:
    """The committed student notebook with every graded cell holding the reference solution:
    what a student who finished hands in (no hidden tests)."""
    solution = {graded_function(c): c.source for c in source.notebook().cells
                if graded_function(c)}
    nb = nbformat.read(source.release_path, as_version=4)
    for cell in nb.cells:
        name = graded_function(cell)
        if name:
            cell.source = solution[name]
    missing = set(solution) - {graded_function(c) for c in nb.cells}
    assert not missing, f"{source.key}: no graded cell in the release for {sorted(missing)}"
    return nb


def solved_path(source: Source) -> str:
    """Where the course copy holds ``source`` solved, relative to its root: in place of the
    student notebook in weeks/, as a student who finished would have it."""
    return f"weeks/{source.assignment}/{source.stem}.ipynb"


def untouched_path(source: Source) -> str:
    """Where the course copy keeps ``source``'s student notebook as committed (stubs untouched),
    relative to its root."""
    return f"untouched/{source.assignment}/{source.stem}.ipynb"


def make_course(root: Path, solved: list[Source]) -> Path:
    """A copy of the course as `make lab` leaves it (nbgrader_config.py, weeks/, the nbgrader
    source notebooks), in which each notebook of ``solved`` is solved; its committed student
    version moves to untouched/."""
    course = root / "course"
    course.mkdir()
    shutil.copy(ROOT / "nbgrader_config.py", course)
    shutil.copytree(ROOT / "weeks", course / "weeks")
    subprocess.run([sys.executable, "-m", "graders.build", "sources", "--root", str(course)],
                   check=True, capture_output=True, timeout=SERVER_DEADLINE)
    for source in solved:
        (course / untouched_path(source)).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source.release_path, course / untouched_path(source))
        nbformat.write(solved_notebook(source), course / solved_path(source))
    return course


# --------------------------------------------------------------------------- the server
def lab_env(home: Path) -> dict:
    """`make lab`'s environment (the venv's bin first on PATH, TensorFlow quiet), with Jupyter's
    and IPython's per-user folders in ``home`` so nothing of the user's is read or written."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "IPYTHON"))}
    env.update(PATH=f"{VENV_BIN}{os.pathsep}{env.get('PATH', os.defpath)}",
               TF_CPP_MIN_LOG_LEVEL="3",
               JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_DATA_DIR=str(home / "data"),
               JUPYTER_RUNTIME_DIR=str(home / "runtime"), IPYTHONDIR=str(home / "ipython"))
    return env


def quiet_lab_settings(home: Path) -> None:
    """User settings a student sets on day one: no "fetch Jupyter news?" toast (it would cover
    the notebook and reach for the internet)."""
    folder = home / "config" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}))


class LabServer:
    """`jupyter lab` as `make lab` runs it, in ``course``, on a free port of 127.0.0.1."""

    def __init__(self, course: Path, home: Path):
        self.course, self.home = course, home
        self.log_path = home / "server.log"
        self.proc: subprocess.Popen | None = None
        self.url = ""

    def start(self) -> "LabServer":
        self.home.mkdir(parents=True, exist_ok=True)
        quiet_lab_settings(self.home)
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(
                [str(VENV_BIN / "jupyter"), "lab", "--ServerApp.root_dir=.",
                 "--LabApp.default_url=/lab/tree/weeks", "--allow-root", "--no-browser",
                 "--ServerApp.ip=127.0.0.1", "--ServerApp.port=0",
                 f"--IdentityProvider.token={TOKEN}", *LAB_SERVER_OPTIONS],
                cwd=self.course, env=lab_env(self.home), stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True)  # its own process group, kernels included
        self.url = self._wait_for_url()
        return self

    def _wait_for_url(self) -> str:
        start = time.monotonic()
        while True:
            assert self.proc.poll() is None, "JupyterLab exited:\n" + self.log_tail()
            assert time.monotonic() - start < SERVER_DEADLINE, \
                f"JupyterLab did not answer in {SERVER_DEADLINE} s:\n" + self.log_tail()
            for info in (self.home / "runtime").glob("jpserver-*.json"):
                try:
                    url = json.loads(info.read_text())["url"].rstrip("/")
                    self.api("GET", "/api/status", base=url)
                    return url
                except (ValueError, KeyError, OSError):
                    pass  # the file is being written, or the server not serving yet
            time.sleep(0.2)

    def api(self, method: str, path: str, body=None, base: str | None = None):
        """One authenticated request to the server's REST API; the decoded JSON reply."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request((base or self.url) + path, data=data, method=method,
                                     headers={"Authorization": f"token {TOKEN}",
                                              "Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=SERVER_DEADLINE) as response:
            text = response.read().decode()
        return json.loads(text) if text else None

    def shut_down_kernels(self) -> None:
        """Shut down every kernel the pages started (DELETE each session)."""
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")

    def page_url(self, path: str) -> str:
        return f"{self.url}{path}{'&' if '?' in path else '?'}token={TOKEN}"

    def log_tail(self, chars: int = 5000) -> str:
        return self.log_path.read_text()[-chars:] if self.log_path.exists() else ""

    def stop(self) -> None:
        """Stop the server and its kernels: SIGTERM to its process group, SIGKILL if needed."""
        if self.proc is None or self.proc.poll() is not None:
            return
        for sig, wait in ((signal.SIGTERM, 30), (signal.SIGKILL, 30)):
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        try:  # kernels left in the group after the server itself exited
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@contextmanager
def lab_server(course: Path, home: Path):
    server = LabServer(course, home)
    try:
        yield server.start()
    finally:
        server.stop()


# --------------------------------------------------------------------------- the notebook page
# JavaScript run in the page: the state of the open notebook, as plain data. Text is read with
# textContent: JupyterLab skips rendering off-screen cells (content-visibility), and innerText
# of a skipped cell is empty.
NOTEBOOK_STATE_JS = """
() => {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return null;
  const indicator = panel.querySelector('.jp-Notebook-ExecutionIndicator');
  const cells = [...panel.querySelectorAll('.jp-Notebook .jp-Cell')].map(cell => ({
    code: cell.classList.contains('jp-CodeCell'),
    prompt: (cell.querySelector('.jp-InputArea-prompt') || {}).textContent || '',
    errors: [...cell.querySelectorAll('.jp-OutputArea-output[data-mime-type="%s"]')]
              .map(o => o.textContent),
    images: cell.querySelectorAll('.jp-OutputArea-output img').length,
    text: [...cell.querySelectorAll('.jp-OutputArea-output')].map(o => o.textContent).join('\\n'),
  }));
  return {status: indicator ? indicator.getAttribute('data-status') : null, cells};
}
""" % STDERR_MIME


def notebook_state(page) -> dict:
    """{"status": the kernel's status, "cells": [{code, prompt, errors, images, text}, ...]}."""
    return page.evaluate(NOTEBOOK_STATE_JS)


def open_notebook(page, server: LabServer, path: str, cells: int) -> None:
    """Open ``path`` (relative to the course root) at /lab/tree/..., wait until its ``cells``
    cells are on the page and its kernel is idle."""
    # ?reset: a fresh workspace, not the tabs (and kernels) that earlier pages left open
    page.goto(server.page_url(f"/lab/tree/{path}?reset"), timeout=UI_TIMEOUT_MS)
    page.wait_for_function(
        """n => { const p = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
                  if (!p) return false;
                  const k = p.querySelector('.jp-Notebook-ExecutionIndicator');
                  return p.querySelectorAll('.jp-Notebook .jp-Cell').length === n
                         && k && k.getAttribute('data-status') === 'idle'; }""",
        arg=cells, timeout=UI_TIMEOUT_MS)


def menu(page, *labels: str) -> None:
    """Click through JupyterLab's menu bar: menu(page, "Run", "Run All Cells")."""
    page.locator(".lm-MenuBar-itemLabel", has_text=labels[0]).first.click()
    for label in labels[1:]:
        page.locator(".lm-Menu-itemLabel").get_by_text(label, exact=True).first.click()


def prompts_summary(state: dict) -> str:
    """The cells' prompts, for failure messages: "[1] [2] [*] [ ] ..."."""
    return " ".join(c["prompt"].replace(":", "") or "." for c in state["cells"] if c["code"])


def wait_until_ran(page, cell_index: int, timeout_ms: int = UI_TIMEOUT_MS) -> dict:
    """Wait until cell ``cell_index`` shows an execution count (or some cell shows an error,
    which stops Run All) and the kernel is idle; return the notebook's state."""
    try:
        page.wait_for_function(
            """i => { const p = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
                      const k = p.querySelector('.jp-Notebook-ExecutionIndicator');
                      const cells = p.querySelectorAll('.jp-Notebook .jp-Cell');
                      const prompt = cells[i].querySelector('.jp-InputArea-prompt').textContent;
                      const stopped = p.querySelector('.jp-OutputArea-output[data-mime-type="%s"]');
                      const busy = [...cells].some(c => (c.querySelector('.jp-InputArea-prompt')
                                                         || {}).textContent === '[*]:');
                      return k.getAttribute('data-status') === 'idle' && !busy
                             && (/\\[\\d+\\]/.test(prompt) || stopped !== null); }""" % STDERR_MIME,
            arg=cell_index, timeout=timeout_ms, polling=250)
    except Exception as exc:  # playwright's TimeoutError: say what the page showed
        state = notebook_state(page)
        raise AssertionError(
            f"cell {cell_index} did not finish in {timeout_ms / 1000:.0f} s; kernel "
            f"{state['status']!r}, prompts: {prompts_summary(state)}") from exc
    return notebook_state(page)


def run_cell(page, cell_index: int) -> dict:
    """Select cell ``cell_index`` (click its prompt), run it with Ctrl+Enter and wait for it."""
    cell = page.locator(f"{NOTEBOOK_PANEL} .jp-Notebook .jp-Cell").nth(cell_index)
    cell.locator(".jp-InputArea-prompt").click()
    page.keyboard.press("Control+Enter")
    return wait_until_ran(page, cell_index)


def scroll_to_cell(page, cell_index: int) -> None:
    """Scroll the notebook so that cell ``cell_index`` is at the top, its images loaded. Cells
    above it take their real height only once drawn, so scroll again until it stays put."""
    cell = page.locator(f"{NOTEBOOK_PANEL} .jp-Notebook .jp-Cell").nth(cell_index)
    for _ in range(5):
        cell.evaluate("cell => cell.scrollIntoView({block: 'start'})")
        page.wait_for_function(f"() => [...document.querySelectorAll('{NOTEBOOK_PANEL} img')]"
                               ".every(img => img.complete)")
        if cell.evaluate("""cell => Math.abs(cell.getBoundingClientRect().top
                              - cell.closest('.jp-WindowedPanel-outer, .jp-Notebook')
                                    .getBoundingClientRect().top) < 4"""):
            return


def screenshot(page, name: str) -> Path:
    """Save the page as artifacts/screenshots/<name>.png (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.mouse.move(0, 0)  # no hover highlight where the last click was
    page.screenshot(path=str(path))
    return path


def dialog(page, title: str):
    """The open JupyterLab dialog whose header is ``title`` (waits for it)."""
    box = page.locator(".jp-Dialog-content").filter(
        has=page.locator(".jp-Dialog-header", has_text=title))
    box.wait_for(timeout=UI_TIMEOUT_MS * 2)
    return box
