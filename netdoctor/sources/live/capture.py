"""Live capture: Kubernetes and AWS collected concurrently into one bundle (format v1).

    result = capture(CaptureOptions(output=Path("incident.tar.gz")))
    result.path, result.missing, result.kube_requests, result.aws_calls

The bundle is what `kubectl get -o json` and the aws CLI would print, redacted (see `redact.py`),
plus `meta.json` with `cluster`, `region`, `captured_at`, `source: "live"` and `missing`: each
file that could not be collected and why, naming the permission that would fill the gap.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from netdoctor import __version__
from netdoctor.snapshot import files as f
from netdoctor.sources.live.aws import (
    AwsCall,
    AwsCollector,
    AwsSettings,
    Hook,
    service_cidrs,
    vpc_cidrs,
)
from netdoctor.sources.live.errors import Cancelled, CaptureError
from netdoctor.sources.live.hints import NodeFacts, context_hints, kubeconfig_paths, load_kubeconfig
from netdoctor.sources.live.k8s import KubeCollector
from netdoctor.sources.live.k8s_api import PAGE_SIZE, KubeSettings
from netdoctor.sources.live.progress import NullProgress, ProgressSink
from netdoctor.sources.live.redact import IdRedactor, names_in_aws
from netdoctor.sources.live.writer import BundleWriter, aws_cli_json, check_target

_JOIN_AFTER_CANCEL = 2.0


@dataclass
class CaptureOptions:
    """What to capture and where to put it."""

    output: Path | None = None
    """`.tar.gz`/`.tgz` → archive, else a directory; None → a temporary bundle directory that
    the caller removes (`CaptureResult.cleanup()`), as `check --live` does."""
    kubeconfig: str | None = None
    context: str | None = None
    cluster: str | None = None
    region: str | None = None
    profile: str | None = None
    namespaces: tuple[str, ...] = ()
    """Limit namespaced kinds to these namespaces; () captures all."""
    files: frozenset[str] | None = None
    """Bundle files to capture; None captures every file of the format."""
    redact_ids: bool = False
    redact_key: str | None = None
    """Key for `--redact-ids` tokens; None draws a random key for this capture."""
    timeout: float = 30.0
    """Seconds to wait for one response before retrying."""
    attempts: int = 5
    """Tries per Kubernetes request (429/5xx/timeouts)."""
    backoff: float = 0.5
    """First Kubernetes retry delay in seconds (doubles per retry)."""
    page_size: int = PAGE_SIZE
    aws_hooks: tuple[Hook, ...] = ()
    """Extra botocore `(event, handler)` registrations (tests inject faults with them)."""
    progress: ProgressSink = field(default_factory=NullProgress)
    cancel: threading.Event | None = None
    """Set it from another thread (the TUI) to stop the capture: `capture` raises `Cancelled`."""

    def kube_settings(self, workers: int | None = None) -> KubeSettings:
        """The Kubernetes side's settings (`workers` sizes its connection pool)."""
        extra = {} if workers is None else {"workers": workers}
        return KubeSettings(
            kubeconfig=self.kubeconfig,
            context=self.context,
            namespaces=self.namespaces,
            page_size=self.page_size,
            timeout=self.timeout,
            attempts=self.attempts,
            backoff=self.backoff,
            **extra,
        )

    def aws_settings(self, region: str | None, cluster: str | None) -> AwsSettings:
        """The AWS side's settings, for the region and cluster known so far."""
        return AwsSettings(
            profile=self.profile,
            region=region,
            cluster=cluster,
            timeout=self.timeout,
            hooks=self.aws_hooks,
        )


@dataclass
class CaptureResult:
    """A finished capture."""

    path: Path
    """The bundle (archive or directory)."""
    meta: dict[str, Any]
    """meta.json as written (tokens in place of ids with `--redact-ids`)."""
    missing: dict[str, str]
    """Bundle file → why it was not collected."""
    kube_requests: int
    """Kubernetes HTTP requests, retries included."""
    aws_calls: list[AwsCall]
    """AWS operations called, in order."""
    seconds: float
    temporary: bool = False
    """True when `path` is a temp bundle to remove with `cleanup()`."""

    def cleanup(self) -> None:
        """Remove a temporary bundle (no-op for a `-o` target)."""
        if self.temporary:
            import shutil

            shutil.rmtree(self.path, ignore_errors=True)


def rfc3339_now() -> str:
    """The current UTC time as RFC 3339 with a `Z`, to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def capture(options: CaptureOptions) -> CaptureResult:
    """Capture a bundle from the live cluster and AWS account.

    A denied or failed call leaves its file absent and recorded in `missing`; the capture as a
    whole fails only when nothing at all could be read.

    Raises:
        CaptureError: neither Kubernetes nor AWS could be read.
        UsageError: the output path cannot be used.
        KeyboardInterrupt: interrupted; nothing is left at the output path.
        Cancelled: `options.cancel` was set; nothing is left at the output path.
    """
    if options.output is not None:
        check_target(options.output)
    started = time.monotonic()
    captured_at = rfc3339_now()
    hints = context_hints(load_kubeconfig(kubeconfig_paths(options.kubeconfig)), options.context)
    writer = BundleWriter(options.output)
    cancel = options.cancel or threading.Event()
    facts_ready = threading.Event()
    facts_box: list[NodeFacts | None] = [None]

    def publish(facts: NodeFacts | None) -> None:
        facts_box[0] = facts
        facts_ready.set()

    def wait_facts() -> NodeFacts | None:
        while not facts_ready.wait(0.1):
            if cancel.is_set():
                raise Cancelled()
        return facts_box[0]

    wanted = options.files
    kube = KubeCollector(
        options.kube_settings(),
        writer,
        options.progress,
        cancel,
        on_nodes=publish,
        wanted=None if wanted is None else frozenset(r for r in wanted if r in f.K8S_FILES),
    )
    aws = AwsCollector(
        options.aws_settings(options.region, options.cluster),
        writer,
        options.progress,
        cancel,
        node_facts=wait_facts,
        hints=hints,
        wanted=None if wanted is None else frozenset(r for r in wanted if r in f.AWS_FILES),
    )
    try:
        with _gc_paused():
            _run_both(kube.run, aws.run, cancel)
        missing = dict(sorted({**kube.missing, **aws.missing}.items()))
        if not writer.present():
            reasons = "; ".join(list(dict.fromkeys(missing.values()))[:3])
            raise CaptureError(f"nothing could be captured: {reasons}")
        facts = facts_box[0]
        meta: dict[str, Any] = {
            "cluster": aws.cluster or hints.cluster or (facts.cluster if facts else None),
            "region": aws.region,
            "captured_at": captured_at,
            "source": "live",
            "missing": missing,
            "capture": {
                "netdoctor": __version__,
                "seconds": round(time.monotonic() - started, 2),
                "kubernetes_requests": kube.requests,
                "aws_calls": len(aws.calls),
                "namespaces": list(options.namespaces) or "all",
                "redaction": "allow-list+ids" if options.redact_ids else "allow-list",
            },
        }
        meta_bytes = aws_cli_json(meta)
        if options.redact_ids:
            meta_bytes = _redact_ids(writer, aws, meta, meta_bytes, options.redact_key)
        writer.write_bytes(f.META, meta_bytes)
        meta = json.loads(meta_bytes)  # as written: redacted with --redact-ids
        path = writer.commit()
    except BaseException:
        cancel.set()
        writer.abort()
        raise
    return CaptureResult(
        path=path,
        meta=meta,
        missing=missing,
        kube_requests=kube.requests,
        aws_calls=list(aws.calls),
        seconds=time.monotonic() - started,
        temporary=options.output is None,
    )


def _run_both(kube_run: Any, aws_run: Any, cancel: threading.Event) -> None:
    """Run both collectors on daemon threads; Ctrl-C in the main thread cancels them."""
    errors: list[BaseException] = []

    def guarded(run: Any) -> None:
        try:
            run()
        except Cancelled:
            pass
        except BaseException as exc:  # a bug: re-raised in the main thread
            errors.append(exc)
            cancel.set()

    threads = [
        threading.Thread(target=guarded, args=(run,), name=name, daemon=True)
        for run, name in ((kube_run, "netdoctor-k8s"), (aws_run, "netdoctor-aws"))
    ]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            while thread.is_alive():
                thread.join(0.2)  # short joins keep Ctrl-C responsive
    except KeyboardInterrupt:
        cancel.set()
        deadline = time.monotonic() + _JOIN_AFTER_CANCEL
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        raise
    if errors:
        raise errors[0]
    if cancel.is_set():
        raise Cancelled()


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    # Pages are parsed, redacted and written, then dropped: refcounting frees them. The cyclic
    # collector would only rescan the growing heap (a 3-5x slowdown on big clusters).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _redact_ids(
    writer: BundleWriter,
    aws: AwsCollector,
    meta: dict[str, Any],
    meta_bytes: bytes,
    key_text: str | None,
) -> bytes:
    key = hashlib.sha256(key_text.encode()).digest() if key_text else os.urandom(32)
    docs = aws.documents
    names = names_in_aws(docs)
    if meta.get("cluster"):
        names.add(str(meta["cluster"]))
    redactor = IdRedactor(
        key,
        vpc_cidrs=vpc_cidrs(docs.get(f.AWS_VPCS)),
        keep_cidrs=service_cidrs(docs.get(f.AWS_CLUSTER)),
        names=names,
    )
    rels = writer.present()
    for rel in rels:
        data = writer.read_bytes(rel)
        if data is not None:
            redactor.learn(data)
    redactor.learn(meta_bytes)
    for rel in rels:
        data = writer.read_bytes(rel)
        if data is not None:
            writer.write_bytes(rel, redactor.redact(data))
    return redactor.redact(meta_bytes)
