"""Command line for the course tooling. Run ``python -m graders --help``."""
from __future__ import annotations

import argparse
import json
import signal
import sys
import threading

from graders.sources import all_sources, find_source


def _sources(names):
    return [find_source(n) for n in names] if names else all_sources()


def main(argv: list[str] | None = None) -> int:
    # Ctrl-C stops a command (autograde: exit 130, results kept) even when this process was
    # started with SIGINT ignored, as a shell does for a job it runs in the background.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)
    from graders.course import tools_on_path
    tools_on_path()         # nbgrader's Gradebook runs `alembic` by name, also in this process
    parser = argparse.ArgumentParser(prog="python -m graders", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("grade", help="grade one notebook and print per-test scores")
    p.add_argument("notebook")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p = sub.add_parser("autograde", help="grade every submission in submitted/, in parallel, "
                       "into gradebook.db and grades.csv (resumes an interrupted run)")
    p.add_argument("assignments", nargs="*", help="assignments (default: all)")
    p.add_argument("--course", default=".", help="nbgrader course root (default: .)")
    p.add_argument("--student", action="append", help="only this student (repeatable)")
    p.add_argument("--workers", type=int, default=None, help="parallel gradings (default: cores)")
    p.add_argument("--timeout", type=float, default=1800,
                   help="seconds one submission may take before it is stopped (default 1800)")
    p.add_argument("--force", action="store_true", help="regrade submissions already graded")
    p.add_argument("--no-sandbox", dest="sandbox", action="store_false", default=None,
                   help="run kernels without bubblewrap (only for code you trust)")
    p.add_argument("--no-figures", dest="figures", action="store_false",
                   help="do not render plots in graded notebooks (faster)")
    p.add_argument("--all-cells", dest="lean", action="store_false",
                   help="also run lesson cells no test needs (plots and demos in the feedback)")
    p.add_argument("--no-feedback", dest="feedback", action="store_false",
                   help="do not write HTML feedback to feedback/")
    p.add_argument("--cold-kernels", dest="warm", action="store_false",
                   help="start every sandboxed kernel from scratch (slower; by default each "
                        "worker forks kernels from a sandbox that has imported TensorFlow once)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="grade on the Dask cluster of this scheduler, e.g. tcp://HOST:8786 "
                        "(README: Grading on several machines; default: --workers processes here)")
    p.add_argument("--tls-ca-file", metavar="PEM",
                   help="with --scheduler tls://...: the CA that signed the cluster's certificates")
    p.add_argument("--tls-cert", metavar="PEM", help="this client's TLS certificate")
    p.add_argument("--tls-key", metavar="PEM", help="this client's TLS private key")
    p = sub.add_parser("build", help="regenerate the student notebooks in weeks/")
    p.add_argument("names", nargs="*", help="notebooks (default: all)")
    p = sub.add_parser("check", help="exit 1 if weeks/ is out of sync with the sources")
    p.add_argument("names", nargs="*")
    p = sub.add_parser("refs", help="regenerate graders/reference/*.json from the solutions")
    p.add_argument("names", nargs="*")
    p = sub.add_parser("solutions", help="write executed solution notebooks to solutions/")
    p.add_argument("names", nargs="*")
    p.add_argument("--no-execute", action="store_true")
    args = parser.parse_args(argv)

    if args.command == "grade":
        from graders.grade import GradingError, grade, render, to_json
        try:
            result = grade(args.notebook)
        except GradingError as exc:
            if args.json:
                print(json.dumps({"notebook": args.notebook, "error": str(exc)}))
            else:
                print(f"error: {exc}", file=sys.stderr)
            return 2
        print(to_json(result) if args.json else render(result))
        return 0
    if args.command == "autograde":
        from graders.batch import BatchIncomplete, autograde
        from graders.distributed import ClusterError
        security = None
        if args.scheduler:
            if args.workers is not None:
                parser.error("--workers sizes the local pool; with --scheduler the cluster's "
                             "workers grade")
            from graders.distributed.driver import security_from
            try:
                security = security_from(args.tls_ca_file, args.tls_cert, args.tls_key)
            except ValueError as error:
                parser.error(str(error))
        elif args.tls_ca_file or args.tls_cert or args.tls_key:
            parser.error("--tls-ca-file, --tls-cert and --tls-key need --scheduler")
        try:
            autograde(args.course, args.assignments or None, args.student, args.workers,
                      args.timeout, args.force, sandbox=args.sandbox, figures=args.figures,
                      feedback=args.feedback, lean=args.lean, warm=args.warm,
                      scheduler=args.scheduler, security=security)
        except KeyboardInterrupt:
            print("interrupted: graded submissions are kept; run the same command to resume",
                  file=sys.stderr)
            return 130
        except (BatchIncomplete, ClusterError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        return 0
    if args.command == "build":
        from graders.build import release
        for path in release(_sources(args.names)):
            print(f"wrote {path}")
        return 0
    if args.command == "check":
        from graders.build import out_of_sync
        stale = out_of_sync(_sources(args.names))
        for path in stale:
            print(f"out of sync with its source: {path} (run `make build`)")
        return 1 if stale else 0
    if args.command == "refs":
        from graders.refs import write_references
        for path in write_references(_sources(args.names)):
            print(f"wrote {path}")
        return 0
    if args.command == "solutions":
        from graders.build import solutions
        for path in solutions(_sources(args.names), execute=not args.no_execute):
            print(f"wrote {path}")
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
