"""Training jobs: one at a time, each in its own process, watched from the event loop.

A job snapshots the stored annotations, starts ``service.training_worker.run`` in
a *spawned* process (a fresh interpreter: no forked torch threads or event loop,
and the service keeps answering), and polls it. When the process ends:

- success: the staged model moves into the registry under its version, and is
  activated if it is not worse than the model that was active when the job began
  (mean macro-F1 of the three heads on the same evaluation records), or if forced;
- failure, kill or cancel: the staged files are removed and nothing else changes.

Job state lives in the database, so it outlives the process. Across replicas,
one training slot: a lease row (``service.leases``) the job's replica renews
while it trains. A job whose replica died keeps its row 'running' until the
lease expires; then the next start (or any replica's next training request)
marks it failed. A cancel sent to another replica is a flag in the job's row
that the replica running it picks up on its next heartbeat.
"""

from __future__ import annotations

import asyncio
import json
import logging
import multiprocessing
import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from argmine.service import training_worker
from argmine.service.training_worker import HELD_OUT
from argmine.service.db import JobRow, as_aware, utcnow
from argmine.service.leases import Acquired, Leases
from argmine.service.link_store import LinkStore
from argmine.service.predictor import ActiveModel, LabelerFactory
from argmine.service.registry import Registry, summarize
from argmine.service.settings import Settings
from argmine.service.store import AnnotationStore

log = logging.getLogger("argmine.jobs")
TRAINING = "training"  # the lease name


class JobRunning(RuntimeError):
    """A training job is already running; one at a time keeps the cores for serving."""


class UnknownJob(LookupError):
    """No job with this id."""


class JobFinished(RuntimeError):
    """The job is no longer running, so it cannot be cancelled."""


def decide(metrics: dict[str, Any], baseline: dict[str, Any], *, force: bool, version: str,
           baseline_version: str, active_version: str, compared_on: str = HELD_OUT) -> tuple[bool, str]:
    """Whether a freshly trained model replaces the active one, and why, in words."""
    if force:
        return True, "activated: forced by the request"
    if active_version != baseline_version:
        return False, (f"not activated: the active model changed from {baseline_version} to {active_version} "
                       f"while training; POST /v1/models/{version}/activate to use it")
    new, old = summarize(metrics), summarize(baseline)
    if new is None or old is None:
        return False, (f"not activated: nothing to compare the models on ({compared_on}: none), so they cannot "
                       "be compared; add annotations, or retrain with force")
    where = f"{new['n']} evaluation sentences" + ("" if compared_on == HELD_OUT else f" ({compared_on})")
    if new["mean_macro_f1"] >= old["mean_macro_f1"]:
        return True, (f"activated: mean macro-F1 {new['mean_macro_f1']:.4f} is not worse than "
                      f"{old['mean_macro_f1']:.4f} of {baseline_version} on {where}")
    return False, (f"not activated: mean macro-F1 {new['mean_macro_f1']:.4f} is worse than "
                   f"{old['mean_macro_f1']:.4f} of {baseline_version} on {where}; "
                   f"POST /v1/models/{version}/activate to use it anyway")


@dataclass
class _Running:
    process: BaseProcess | None = None
    task: asyncio.Task | None = None
    staging: Path | None = None
    cancelled: str | None = None  # who cancelled it
    stopping: bool = False


def _iso(moment: datetime | None) -> str | None:
    moment = as_aware(moment)
    return moment.isoformat() if moment else None


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return data if isinstance(data, dict) else None


class JobManager:
    def __init__(self, settings: Settings, store: AnnotationStore, registry: Registry, model: ActiveModel,
                 loader: LabelerFactory, leases: Leases, poll_seconds: float = 0.25,
                 worker: Callable[[training_worker.JobSpec], None] = training_worker.run):
        """``worker`` runs in the job's process; tests pass a fast fake one (module-level: it is pickled)."""
        self.settings = settings
        self.worker = worker
        self.store = store
        self.registry = registry
        self.model = model
        self.loader = loader
        self.leases = leases
        self.poll = poll_seconds
        self.lease_seconds = settings.training_lease_seconds
        self._running: dict[str, _Running] = {}

    @property
    def replica(self) -> str:
        return self.leases.holder

    # ---- lifecycle ------------------------------------------------------------------
    async def recover(self) -> None:
        """Jobs left 'running' by a replica that is gone (no live lease names them) died with it."""
        stale = await asyncio.to_thread(self._fail_orphans)
        if stale:
            log.warning("marked %d job(s) of a stopped service process as failed", stale)
        if not self._lease_is_live():
            self.registry.clean_staging()  # no job writes a staged model now; another replica's might

    def _lease_is_live(self) -> bool:
        lease = self.leases.current(TRAINING)
        return lease is not None and lease.expires_at > utcnow()

    def _fail_orphans(self, only: str | None = None) -> int:
        lease = self.leases.current(TRAINING)
        alive = lease.job_id if lease is not None and lease.expires_at > utcnow() else None
        with self.store.session() as session, session.begin():
            query = select(JobRow).where(JobRow.status == "running")
            if only is not None:
                query = query.where(JobRow.id == only)
            rows = [row for row in session.scalars(query) if row.id != alive and row.id not in self._running]
            for row in rows:
                row.status, row.finished_at = "failed", utcnow()
                row.error = "the service stopped while this job ran; the active model is unchanged"
            return len(rows)

    async def shutdown(self) -> None:
        for entry in list(self._running.values()):
            entry.stopping = True
            if entry.process is not None and entry.process.is_alive():
                entry.process.terminate()
        tasks = [e.task for e in self._running.values() if e.task is not None]
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    # ---- starting -------------------------------------------------------------------
    async def start(self, force: bool = False, overrides: dict[str, Any] | None = None,
                    by: str | None = None) -> dict[str, Any]:
        from argmine.training.config import TrainConfig, load_config
        from argmine.training.corpus import CorpusError, validate

        if self._running:
            raise JobRunning(f"job {next(iter(self._running))} is still running; wait for it or cancel it")
        # A corpus with problems would fail the job seconds later; say so now, in the answer.
        problems = await asyncio.to_thread(validate, self.settings.annotations_dir)
        if problems:
            raise CorpusError(problems)
        base = load_config(self.settings.train_config) if self.settings.train_config else TrainConfig()
        config = TrainConfig.model_validate({**base.model_dump(), **(overrides or {})})  # refuses unknown keys
        # New models are compared with the active one on the held-out sections (``TrainRequest``).
        config.holdout = True
        job_id = uuid.uuid4().hex
        entry = self._running[job_id] = _Running()  # claimed before any await: two POSTs cannot both start
        try:
            await self._claim(job_id)
            try:
                await self._launch(job_id, entry, config.model_dump(mode="json"), force, by)
            except BaseException:
                await asyncio.to_thread(self.leases.release, TRAINING, job_id)
                raise
        except BaseException:
            self._running.pop(job_id, None)
            if entry.staging is not None:
                shutil.rmtree(entry.staging, ignore_errors=True)
            raise
        return self.get(job_id)

    async def _claim(self, job_id: str) -> None:
        """The training slot across replicas, or JobRunning naming the job that holds it."""
        got = await asyncio.to_thread(self.leases.acquire, TRAINING, self.lease_seconds, job_id)
        if not isinstance(got, Acquired):
            raise JobRunning(f"job {got.job_id} is still running on another service replica; wait for it or "
                             f"cancel it")
        if got.taken_over is not None and got.taken_over.job_id:
            # Its replica stopped renewing: that job died with it, and its half-written model goes.
            await asyncio.to_thread(self._fail_orphans, got.taken_over.job_id)
            await asyncio.to_thread(self.registry.staging_dir, got.taken_over.job_id)

    async def _launch(self, job_id: str, entry: _Running, config: dict[str, Any], force: bool,
                      by: str | None) -> None:
        job_dir = self.settings.jobs_dir / job_id
        job_dir.mkdir(parents=True)
        snapshot = job_dir / "annotations.jsonl"
        count = await asyncio.to_thread(self._snapshot, snapshot)
        links_file = job_dir / "links.jsonl"
        links = await asyncio.to_thread(self._snapshot_links, links_file)
        baseline = self.model.version
        entry.staging = self.registry.staging_dir(job_id)
        spec = training_worker.JobSpec(job_dir=job_dir, corpus_dir=self.settings.annotations_dir,
                                       staging_dir=entry.staging, annotations_file=snapshot, config=config,
                                       baseline_dir=self.registry.get(baseline).path, baseline_loader=self.loader,
                                       links_file=links_file)
        await asyncio.to_thread(self._insert, JobRow(id=job_id, status="running", force=force, config=config,
                                                     annotations=count, baseline_version=baseline,
                                                     created_by=by, replica=self.replica))
        process = multiprocessing.get_context("spawn").Process(
            target=self.worker, args=(spec,), name=f"argmine-train-{job_id[:8]}", daemon=True)
        await asyncio.to_thread(process.start)
        entry.process = process
        entry.task = asyncio.create_task(self._watch(job_id, entry), name=f"argmine-job-{job_id[:8]}")
        log.info("training job %s started (pid %s) on %d stored annotations and %d stored links", job_id,
                 process.pid, count, links)

    def _snapshot(self, path: Path) -> int:
        """The stored annotations as the job sees them, frozen at its start."""
        count = 0
        with path.open("w", encoding="utf-8") as handle:
            for annotation in self.store.iter_all():
                # Offsets too: stored links find their sentences by them (training.link_train).
                handle.write(json.dumps({k: annotation[k] for k in ("text", "role", "stance", "risk", "doc_id",
                                                                    "start", "end")}) + "\n")
                count += 1
        return count

    def _snapshot_links(self, path: Path) -> int:
        """The stored links as the job sees them, frozen at its start."""
        count = 0
        with path.open("w", encoding="utf-8") as handle:
            for link in LinkStore(self.store.engine).iter_all():
                handle.write(json.dumps(link) + "\n")
                count += 1
        return count

    def _insert(self, row: JobRow) -> None:
        with self.store.session() as session, session.begin():
            session.add(row)

    # ---- watching -------------------------------------------------------------------
    async def _watch(self, job_id: str, entry: _Running) -> None:
        assert entry.process is not None
        beat = max(self.poll, min(1.0, self.lease_seconds / 3))  # renew well before the lease runs out
        next_beat = asyncio.get_running_loop().time() + beat
        while entry.process.is_alive():
            await asyncio.sleep(self.poll)
            if asyncio.get_running_loop().time() >= next_beat:
                next_beat += beat
                await self._heartbeat(job_id, entry)
        await asyncio.to_thread(entry.process.join)
        try:
            updates = await self._outcome(job_id, entry, entry.process.exitcode)
        except Exception as exc:  # noqa: BLE001 - a job must never stay 'running' forever
            log.exception("finishing job %s failed", job_id)
            updates = {"status": "failed", "error": f"finishing the job failed: {exc}"}
        finally:
            if entry.staging is not None:
                shutil.rmtree(entry.staging, ignore_errors=True)
        try:
            await asyncio.to_thread(self._update, job_id, {**updates, "finished_at": utcnow()})
        finally:  # the row is final before the slot frees, so no replica sees a free slot beside a 'running' job
            self._running.pop(job_id, None)
            await asyncio.to_thread(self.leases.release, TRAINING, job_id)
        log.info("training job %s %s%s", job_id, updates["status"],
                 f": {updates.get('decision') or updates.get('error')}" if len(updates) > 1 else "")

    async def _heartbeat(self, job_id: str, entry: _Running) -> None:
        """Keep the lease; stop when another replica asked to cancel, or when the lease was lost."""
        try:
            kept = await asyncio.to_thread(self.leases.renew, TRAINING, self.lease_seconds, job_id)
            asked = await asyncio.to_thread(lambda: self._row(job_id).cancel_requested_by)
        except Exception:  # noqa: BLE001 - a database hiccup: try again on the next beat
            log.warning("could not renew the training lease of job %s", job_id, exc_info=True)
            return
        if asked:
            entry.cancelled = asked
        elif not kept:
            log.error("job %s lost its training lease (the database was unreachable too long); stopping it", job_id)
            entry.stopping = True
        if (asked or not kept) and entry.process is not None and entry.process.is_alive():
            entry.process.terminate()

    async def _outcome(self, job_id: str, entry: _Running, exitcode: int | None) -> dict[str, Any]:
        job_dir = self.settings.jobs_dir / job_id
        if entry.cancelled:
            return {"status": "cancelled", "error": f"cancelled by {entry.cancelled}; the active model is unchanged"}
        if entry.stopping:
            return {"status": "failed", "error": "the service stopped during training; the active model is unchanged"}
        result = _read(job_dir / "result.json") if exitcode == 0 else None
        if result is None:
            error = (_read(job_dir / "error.json") or {}).get("error")
            if error is None:
                error = (f"the training process was killed by signal {-exitcode}" if exitcode and exitcode < 0
                         else f"the training process exited with status {exitcode} without a result")
            return {"status": "failed", "error": f"{error}; the active model is unchanged"}
        assert entry.staging is not None
        row = await asyncio.to_thread(self._row, job_id)
        info = await asyncio.to_thread(self.registry.add, entry.staging, result["version"])
        activate, decision = decide(result["metrics"], result["baseline_metrics"], force=row.force,
                                    version=info.version, baseline_version=row.baseline_version or "",
                                    active_version=self.model.version,
                                    compared_on=result.get("compared_on", HELD_OUT))
        if activate:
            try:
                await self.model.activate(info.version, by=f"job {job_id}")
            except Exception as exc:  # noqa: BLE001 - the job succeeded; say why the switch did not
                activate, decision = False, f"not activated: {exc}"
        return {"status": "succeeded", "version": info.version, "metrics": result["metrics"],
                "baseline_metrics": result["baseline_metrics"], "activated": activate, "decision": decision,
                "progress": 1.0}

    def _row(self, job_id: str) -> JobRow:
        with self.store.session() as session:
            row = session.get(JobRow, job_id)
        if row is None:
            raise UnknownJob(f"no job {job_id!r}")
        return row

    def _update(self, job_id: str, values: dict[str, Any]) -> None:
        with self.store.session() as session, session.begin():
            row = session.get(JobRow, job_id)
            for key, value in values.items():
                setattr(row, key, value)

    # ---- reading and cancelling ---------------------------------------------------------
    async def cancel(self, job_id: str, by: str = "request") -> dict[str, Any]:
        entry = self._running.get(job_id)
        if entry is None:
            row = await asyncio.to_thread(self._row, job_id)  # UnknownJob if there is no such job at all
            if row.status != "running":
                raise JobFinished(f"job {job_id} is not running")
            return await self._cancel_elsewhere(job_id, by)
        entry.cancelled = by
        if entry.process is not None and entry.process.is_alive():
            entry.process.terminate()
        if entry.task is not None:
            await asyncio.shield(entry.task)
        return self.get(job_id)

    async def _cancel_elsewhere(self, job_id: str, by: str) -> dict[str, Any]:
        """Flag a job another replica runs; it stops on its next heartbeat. Answers once it has, or after a while."""
        def flag() -> None:
            with self.store.session() as session, session.begin():
                session.execute(update(JobRow).where(JobRow.id == job_id).values(cancel_requested_by=by))

        await asyncio.to_thread(flag)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 10.0  # a few heartbeats and the process's exit
        while loop.time() < deadline:
            if await asyncio.to_thread(self._fail_orphans, job_id):  # its replica is gone: nothing will stop it
                break
            if (await asyncio.to_thread(self._row, job_id)).status != "running":
                break
            await asyncio.sleep(0.25)
        return self.get(job_id)

    def get(self, job_id: str) -> dict[str, Any]:
        return self._view(self._row(job_id))

    def recent(self, limit: int = 50) -> list[dict[str, Any]]:
        with self.store.session() as session:
            rows = session.scalars(select(JobRow).order_by(JobRow.created_at.desc()).limit(limit))
            return [self._view(row) for row in rows]

    def _view(self, row: JobRow) -> dict[str, Any]:
        progress, stage = row.progress, {"succeeded": "done"}.get(row.status, row.status)
        if row.status == "running":
            live = _read(self.settings.jobs_dir / row.id / "progress.json") or {}
            progress, stage = float(live.get("progress", 0.0)), live.get("stage", "starting")
        return {
            "id": row.id, "status": row.status, "progress": progress, "stage": stage,
            "created_at": _iso(row.created_at), "force": row.force, "config": row.config,
            "finished_at": _iso(row.finished_at),
            "annotations": row.annotations, "version": row.version, "baseline_version": row.baseline_version,
            "metrics": summarize(row.metrics or {}), "baseline_metrics": summarize(row.baseline_metrics or {}),
            "activated": row.activated, "decision": row.decision, "error": row.error,
            "created_by": row.created_by,
        }


__all__ = ["JobFinished", "JobManager", "JobRunning", "UnknownJob", "decide"]
