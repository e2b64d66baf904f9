"""A progress bar for long loops in the notebooks, with no dependency beyond IPython.

In Jupyter it is one HTML ``<progress>`` element that updates in place (a display handle);
elsewhere (a script, a terminal) it prints a line at each tenth of the way. Example::

    bar = ProgressBar(250, "optimising the pixels")
    for step in range(1, 251):
        ...
        bar.update(step, f"J = {cost:.3f}")
    bar.close("done in 31 s")
"""
from __future__ import annotations

import html
import time


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and shell.__class__.__name__ == "ZMQInteractiveShell"


class ProgressBar:
    """Progress of ``total`` steps, labelled ``label``; redrawn at most every ``interval`` s."""

    def __init__(self, total: int, label: str = "", interval: float = 0.25):
        if total <= 0:
            raise ValueError(f"a progress bar needs a positive number of steps, got {total}")
        self.total, self.label, self.interval = total, label, interval
        self.start = time.perf_counter()
        self.shown_at = -float("inf")
        self.printed = 0                      # tenths printed so far (outside notebooks)
        self.handle = None
        if _in_notebook():
            from IPython.display import HTML, display

            self.handle = display(HTML(self._html(0, "")), display_id=True)

    def text(self, done: int, note: str) -> str:
        """``label: done/total (percent), elapsed s, note``."""
        elapsed = time.perf_counter() - self.start
        parts = [f"{self.label}: {done}/{self.total} ({100 * done // self.total}%)",
                 f"{elapsed:.1f} s"] + ([note] if note else [])
        return ", ".join(parts)

    def _html(self, done: int, note: str) -> str:
        return (f'<progress value="{done}" max="{self.total}" style="width: 40%"></progress> '
                f"<code>{html.escape(self.text(done, note))}</code>")

    def update(self, done: int, note: str = "") -> None:
        """Show that ``done`` of the steps are finished."""
        now = time.perf_counter()
        if self.handle is not None:
            if now - self.shown_at >= self.interval or done >= self.total:
                from IPython.display import HTML

                self.handle.update(HTML(self._html(done, note)))
                self.shown_at = now
        elif done * 10 // self.total > self.printed:
            self.printed = done * 10 // self.total
            print(self.text(done, note), flush=True)

    def close(self, message: str = "") -> None:
        """Show the bar full, and ``message`` under it."""
        self.update(self.total)
        if message:
            print(message)
