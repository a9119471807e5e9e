"""The one executor: every plan — a sync, an undo, a resume — is journaled, logged, applied and reported here.

`run_plan` is the only code that writes to Plex on a user's behalf: it journals the plan before the first write
(a resume reopens its run instead), writes through `apply_plan` (bounded pool, cancel, stop on a lost server or a
revoked token), logs every outcome, counts the breakdown and finishes the run in the journal. The planners
(`sync.prepare_plan`, `undo.plan_undo`, `resume.plan_resume`) only decide; the application session (`app`) decides
whether a plan may run at all.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

from .apply import CANCELLED, DEFAULT_WORKERS, FAILED, UPDATED, Outcome, Progress, RunStopped, apply_plan
from .errors import RatingsToPlexError
from .journal import JournalDB, RunRecorder, file_hash
from .model import ChangeState, Identity, RunInfo, RunKind, RunStatus, RunSummary
from .plan import Change, Plan
from .plex.client import PlexClient
from .report import (
    Tally,
    breakdown_lines,
    counts_key,
    decision_lines,
    plan_summary,
    skip_line,
    stamp,
    tally,
    update_line,
    watched_line,
)
from .report import write_unmatched_csv as _write_csv
from .resume import GONE, run_counts
from .resume_report import interrupted_csv, resumed_csv
from .runlog import RunLog
from .undo import ALREADY_RESTORED, CHANGED_SINCE, MARKED_UNWATCHED, ready_followups, undo_counts

Echo = Callable[[str], None]


def run_plan(client: PlexClient, plan: Plan, *, journal: JournalDB, report_dir: Path,
             workers: int = DEFAULT_WORKERS, dry_run: bool = False, identity: Identity | None = None,
             echo: Echo | None = None, cancel: threading.Event | None = None,
             on_progress: Callable[[Progress], None] | None = None) -> RunSummary:
    """Journal the plan, apply it (unless dry run), log every decision, write the reports, finish the run.

    Cancelling stops new writes (those in flight finish and are journaled) and leaves the run resumable.
    """
    cancel = cancel or threading.Event()
    identity = identity or Identity(client.machine_identifier, None, client.name, client.url)
    log = RunLog(report_dir, stamp(), echo)
    when = log.when  # unique in the folder: the run's log file and its CSV share it
    recorder = None
    if not (dry_run and plan.kind is RunKind.RESUME):  # a resume's dry run leaves its run untouched
        recorder = _open_run(journal, plan, dry_run, identity, when)
    run_id = recorder.run_id if recorder else _target(plan).id
    try:
        _log_start(log, plan, journal, run_id, client, dry_run)
        outcomes: list[Outcome] = []
        status = RunStatus.DRY_RUN if dry_run else RunStatus.DONE
        if dry_run:
            for change in plan.writes:
                library = log.places.get(change.item.rating_key, "")
                if change.set_rating:
                    log.line(update_line(change, dry_run=True, library=library))
                if change.watched is not None:
                    log.line(watched_line(change, dry_run=True, library=library))
        else:
            assert recorder is not None
            outcomes, status = _write(client, plan, recorder, log, workers, cancel, on_progress)
            recorder.flush()  # outcomes are committed in batches; a resume's counts below read the journal
        result, csv_path = _count(plan, outcomes, dry_run, journal, report_dir, when, log)
    except BaseException:
        if recorder is not None:  # never leave the run locked, nor `running` when it is not
            recorder.finish(RunStatus.STOPPED, {})
        log.close()
        raise
    if recorder is not None:
        recorder.finish(status, {counts_key(k): v for k, v in result.counts.items()})
        journal.record_reports(run_id, csv_path, log.path)  # History offers every run's reports, not the last's
    if plan.kind is RunKind.UNDO and status is RunStatus.DONE and not dry_run:
        journal.mark_undone(_target(plan).id, run_id)
    log.close()
    return RunSummary(run_id, dry_run, plan, outcomes, result, status, csv_path, log.path, plan.kind)


def _target(plan: Plan) -> RunInfo:
    if plan.target is None:
        raise RatingsToPlexError(f"A {plan.kind} plan needs the run it is about.")
    return plan.target


def _open_run(journal: JournalDB, plan: Plan, dry_run: bool, identity: Identity, when: str) -> RunRecorder:
    """A new journaled run for a sync or an undo; the reopened run itself for a resume."""
    where = {"server_name": identity.server_name, "server_url": identity.server_url,
             "machine_id": identity.machine_id, "user_id": identity.user_id,
             "user_name": identity.user_name or None, "account_id": identity.account_id}
    if plan.kind is RunKind.RESUME:
        recorder = journal.recorder(_target(plan).id)
        recorder.reopen()
        return recorder
    if plan.kind is RunKind.UNDO:
        run = plan.target
        assert run is not None
        return journal.start_run([] if dry_run else plan.writes, kind=RunKind.UNDO, undo_of=run.id,
                                 dry_run=int(dry_run), file=run.file, libraries=run.libraries,
                                 options={"undo_of": run.id}, **where)
    source, file = plan.source, plan.source.file if plan.source else plan.file
    return journal.start_run(
        [] if dry_run else plan.changes, kind=plan.kind, dry_run=int(dry_run),
        file=str(file) if file else None, file_hash=file_hash(file) if file else None,
        source_format=source.format if source else None, libraries=plan.libraries,
        options={"policy": plan.options.policy, "force": plan.options.force,
                 "mark_watched": plan.options.mark_watched,
                 "types": sorted(plan.types) if plan.types else "all",
                 "report_stamp": when},  # a resume finds this run's unmatched CSV by it
        counts={counts_key(k): v for k, v in tally(plan, [], True).counts.items()},  # as planned, for --resume
        **where)


def _log_start(log: RunLog, plan: Plan, journal: JournalDB, run_id: int, client: PlexClient, dry_run: bool) -> None:
    """The run's first lines: what was detected and planned (the log files only: each interface already showed
    them in its own words), the header, then every row that will not be written and why."""
    source = plan.source
    if source is not None:
        for line in (f"Detected: {source.description}, {len(source.rows) + sum(source.problem_counts().values())} "
                     f"rows ({source.file.name})", *source.notes):  # + ids missing their `tt`, Criticker's scale…
            log.record(line)
    if plan.kind is RunKind.SYNC:
        log.record(plan_summary(plan))
    log.places = _places(plan, client)
    already = 0
    if plan.kind is RunKind.RESUME:
        already = len(journal.changes(_target(plan).id, (ChangeState.APPLIED,)))
    log.line(_header(run_id, plan, client.name, dry_run, already))
    _log_skips(log, plan)
    for warning, text in decision_lines(plan):
        (log.warning if warning else log.line)(text)


def _places(plan: Plan, client: PlexClient) -> dict[int, str]:
    """Rating key → library title for items whose title is also planned in another library (`Dune (2021)` in
    Movies and in Movies 4K), so their lines can be told apart."""
    seen = Counter(c.item.display_title for c in plan.writes)
    copies = [c.item for c in plan.writes if seen[c.item.display_title] > 1]
    if not copies:
        return {}
    try:
        titles = {s.key: s.title for s in client.sections()}
    except RatingsToPlexError:
        return {}
    return {i.rating_key: titles[i.section_id] for i in copies if i.section_id in titles}


def _header(run_id: int, plan: Plan, server: str, dry_run: bool, already: int = 0) -> str:
    dry = " — dry run, nothing will be written" if dry_run else ""
    run = plan.target
    if plan.kind is RunKind.UNDO and run is not None:
        return f"Run {run_id}: undo of run {run.id} ({run.file or run.kind}) on {server}{dry}"
    if plan.kind is RunKind.RESUME and run is not None:
        gone = f", {len(plan.gone)} no longer on the server" if plan.gone else ""
        return (f"Resuming run {run.id} ({run.file or 'plan'} → {server}): {already + len(plan.landed)} change(s) "
                f"already written before the interruption, {len(plan.changes)} to write{gone}{dry}")
    what = plan.source.description if plan.source else f"{plan.kind} of {plan.file.name}" if plan.file else plan.kind
    return f"Run {run_id}: {what} → {server} ({', '.join(plan.libraries)}){dry}"


def _log_skips(log: RunLog, plan: Plan) -> None:
    for change in plan.changes:
        if change.skip:
            log.line(skip_line(change))
    for skipped in plan.skipped:
        log.warning(f'Skipped "{skipped.title}": {skipped.reason}')


class _Journal:
    """`apply.Journal` for the executor: before marking a show or season watched, journal its episodes' view
    counts (one read), so that undo gives back exactly the episodes that were watched before."""

    def __init__(self, recorder: RunRecorder, client: PlexClient) -> None:
        self.recorder, self.client = recorder, client

    def before(self, change: Change) -> None:
        if change.watched and change.item.type in ("show", "season"):
            try:
                root = self.client.list_all(f"/library/metadata/{change.item.rating_key}/allLeaves")
            except RatingsToPlexError:
                pass  # the write will meet the same problem and be journaled as failed
            else:
                self.recorder.save_leaves(change.item.rating_key, {
                    int(el.attrib["ratingKey"]): int(el.attrib.get("viewCount") or 0)
                    for el in root if el.attrib.get("ratingKey", "").isdigit()})
        self.recorder.before(change)

    def after(self, outcome: Outcome) -> None:
        self.recorder.after(outcome)


class _Phases:
    """One progress bar over both phases of an undo (restores, then episodes marked watched again)."""

    def __init__(self, total: int, report: Callable[[Progress], None] | None) -> None:
        self.total, self.report, self.base, self.seen = total, report, 0, 0

    def __call__(self, p: Progress) -> None:
        self.seen = p.done
        if self.report:
            self.report(Progress(min(self.total, self.base + p.done), self.total, p.elapsed_s))

    def next_phase(self) -> None:
        self.base, self.seen = self.base + self.seen, 0


def _write(client: PlexClient, plan: Plan, recorder: RunRecorder, log: RunLog, workers: int,
           cancel: threading.Event, on_progress: Callable[[Progress], None] | None,
           ) -> tuple[list[Outcome], RunStatus]:
    """Journal what a resume found already written (or gone), then write the plan's changes and follow-ups."""
    now = time.time()
    done: list[Outcome] = []
    for change in plan.landed:
        done.append(Outcome(change, UPDATED, change.set_rating, change.watched is not None, None, now))
    for change in plan.gone:
        done.append(Outcome(change, FAILED, error=GONE, finished_at=now))
        log.warning(f'Rate failed for "{change.item.display_title}": {GONE}')
    for outcome in done:
        recorder.after(outcome)
    seam, progress = _Journal(recorder, client), _Phases(len(plan.writes), on_progress)
    verb = "Restored" if plan.kind is RunKind.UNDO else "Updated"

    def logged(o: Outcome) -> None:
        log.outcome(o, verb=verb)

    written: list[Outcome] = []
    try:
        written = apply_plan(client, plan.changes, workers=workers, journal=seam, on_outcome=logged,
                             on_progress=progress, cancel=cancel)
        skipped_phase = len(plan.followups) if plan.followups and cancel.is_set() else 0
        if plan.followups and not cancel.is_set():
            progress.next_phase()
            written += apply_plan(client, ready_followups(plan, written), workers=workers, journal=seam,
                                  on_outcome=logged, on_progress=progress, cancel=cancel)
        left = sum(1 for o in written if o.status == CANCELLED) + skipped_phase
        # A cancel that came after the last write cancelled nothing: the run is done, not "not attempted".
        status = RunStatus.CANCELLED if left else RunStatus.DONE
        if left:
            log.warning(f"Cancelled: {len(written) + skipped_phase - left} of {len(written) + skipped_phase} "
                        f"change(s) written, {left} not attempted; the run can be resumed to write them.")
    except RunStopped as stop:
        written, status = written + stop.outcomes, RunStatus.STOPPED
        log.warning(str(stop))
    return done + written, status


def _count(plan: Plan, outcomes: Sequence[Outcome], dry_run: bool, journal: JournalDB, report_dir: Path,
           when: str, log: RunLog) -> tuple[Tally, Path | None]:
    """The breakdown as each kind reports it; a sync also writes its unmatched CSV."""
    if plan.kind is RunKind.UNDO:
        counts = undo_counts(plan, outcomes, dry_run)
        log.line(f"Undo of run {_target(plan).id}: {counts['Updated'] + counts['Rated on Discover']} rating(s) "
                 f"restored, {counts[MARKED_UNWATCHED]} marked unwatched, {counts['Marked watched']} marked watched, "
                 f"{counts[ALREADY_RESTORED]} already as before, {counts[CHANGED_SINCE]} skipped (changed since "
                 f"or gone), {counts['Rate failed errors']} failed")
        return Tally(counts), None
    if plan.kind is RunKind.RESUME:
        if dry_run:
            return Tally(), None
        run = plan.target
        assert run is not None
        records = journal.changes(run.id)
        result = Tally(run_counts(run, records))
        for line in breakdown_lines(result.counts):
            log.line(line)
        # Its own CSV: the interrupted run's rows, without those whose item is now written.
        stamp_of = str(run.options.get("report_stamp") or "")
        previous = interrupted_csv(report_dir, stamp_of)
        csv_path = None
        if previous is not None:
            written = {r.rating_key for r in records if r.state == ChangeState.APPLIED}
            csv_path = resumed_csv(previous, stamp_of, when, written)
        if csv_path:
            log.line(f"Rows still unmatched written to {csv_path}")
        return result, csv_path
    result = tally(plan, outcomes, dry_run)
    csv_path = None
    if plan.source:
        source = plan.source
        try:
            csv_path = _write_csv(report_dir, source.source, source.file.stem, source.columns, result.unmatched,
                                  when)
        except OSError as exc:  # a report we cannot write must not leave the journaled run unfinished
            log.warning(f"Could not write the unmatched rows to {report_dir}: {exc.strerror or exc}")
    for line in breakdown_lines(result.counts, dry_run):
        log.line(line)
    if csv_path:
        log.line(f"Unmatched rows written to {csv_path}")
    return result, csv_path
