"""The typer app, and the one place that turns exceptions into a message and an exit code."""

from __future__ import annotations

import functools
import logging
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console

from .. import __version__
from ..errors import RatingsToPlexError
from ..security import RedactingFilter, redact

app = typer.Typer(
    name="ratings-to-plex",
    help="Move your IMDb and Letterboxd ratings into Plex — with a dry run, undo and clear reports.\n\n"
         "Example: PLEX_TOKEN=… ratings-to-plex sync ratings.csv --url http://127.0.0.1:32400 "
         "--library Movies --dry-run (a token in PLEX_TOKEN stays out of the process list; --token does not)",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode=None,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
state: dict[str, Any] = {"verbose": False}

F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(func: F) -> F:
    """Run a command; our errors print as one or two plain lines with their exit code, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        previous = None
        if threading.current_thread() is threading.main_thread():  # SIGTERM stops like Ctrl-C, not like kill -9
            previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
        state.update(run_ids=[], json_printed=False, message="")
        as_json = bool(kwargs.get("as_json"))
        try:
            return func(*args, **kwargs)
        except RatingsToPlexError as exc:
            err.print(f"error: {redact(str(exc))}", markup=False)
            _json_error(as_json, redact(str(exc)), exc.exit_code)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err.print("Cancelled.", markup=False)
            _json_error(as_json, "Cancelled.", 130)
            raise typer.Exit(130) from None
        except typer.Exit as exc:
            if exc.exit_code or state["message"]:
                _json_error(as_json, state["message"] or f"Stopped with exit code {exc.exit_code}.", exc.exit_code)
            raise
        except (typer.Abort, SystemExit):
            raise
        except Exception as exc:  # a bug: say so plainly, details only with --verbose
            if state["verbose"]:
                import traceback

                err.print(redact(traceback.format_exc()), markup=False)
            err.print(f"error: unexpected {type(exc).__name__}: {redact(str(exc))[:300]}", markup=False)
            err.print("This is a bug in ratings-to-plex; run again with --verbose for details.", markup=False)
            _json_error(as_json, f"unexpected {type(exc).__name__}: {redact(str(exc))[:300]}", 1)
            raise typer.Exit(1) from None
        finally:
            if previous is not None:
                signal.signal(signal.SIGTERM, previous)

    return wrapper  # type: ignore[return-value]


def _json_error(as_json: bool, message: str, code: int) -> None:
    """`--json` promises one JSON object on stdout: when a command ends on an error before printing its own, this
    is it — the error, the exit code, and the ids of the runs already written (a second file can fail after the
    first was imported)."""
    if not as_json or state["json_printed"]:
        return
    import json

    print(json.dumps({"error": message, "exit_code": code, "run_ids": list(state["run_ids"])},
                     ensure_ascii=False))
    state["json_printed"] = True


@app.callback()
def _root(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="More detail in errors (never the token)."),
) -> None:
    state["verbose"] = verbose
    if verbose:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr)
        for handler in logging.getLogger().handlers:
            handler.addFilter(RedactingFilter())


@app.command()
def version() -> None:
    """Print the version.

    Example: ratings-to-plex version
    """
    out.print(f"ratings-to-plex {__version__}", markup=False)


def main(argv: list[str] | None = None) -> int:
    """Console-script entry point; returns the exit code."""
    args = sys.argv[1:] if argv is None else list(argv)
    if "--json" in args:
        return _main_json(args)
    try:
        app(args=argv, prog_name="ratings-to-plex", standalone_mode=True)
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    return 0


def _main_json(args: list[str]) -> int:
    """With `--json`, click's own usage errors (an unknown option, a missing argument) end in the one JSON object
    too: click's usage text on stderr as usual, `{"error", "exit_code": 2, "run_ids"}` on stdout."""
    try:
        code = app(args=args, prog_name="ratings-to-plex", standalone_mode=False)
    except typer.TyperException as exc:  # typer's own click: UsageError and the other ClickExceptions
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            err.print(f"error: {exc.format_message()}", markup=False)
        state.update(run_ids=[], json_printed=False, message="")
        _json_error(True, exc.format_message(), exc.exit_code)
        return exc.exit_code
    except typer.Abort:
        err.print("Cancelled.", markup=False)
        return 130
    except SystemExit as exc:
        return int(exc.code or 0) if not isinstance(exc.code, str) else 2
    return code if isinstance(code, int) else 0
