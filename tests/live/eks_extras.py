"""The EKS operations moto does not implement, on loopback in front of the moto server.

moto 5.2 answers describe-cluster and the node group calls but not ListAccessEntries,
ListInsights or DescribeInsight. `EksExtras` serves those three (EKS's REST JSON protocol, as
botocore sends it) from what the test configured and forwards every other request to moto
unchanged; boto3 reaches it through `AWS_ENDPOINT_URL_EKS`.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_ACCESS_ENTRIES = re.compile(r"^/clusters/([^/?]+)/access-entries(?:\?.*)?$")
_INSIGHTS = re.compile(r"^/clusters/([^/?]+)/insights(?:\?.*)?$")
_INSIGHT = re.compile(r"^/clusters/([^/?]+)/insights/([^/?]+)(?:\?.*)?$")


@dataclass
class EksState:
    """What the extra operations answer, per cluster name."""

    access_entries: dict[str, list[str]] = field(default_factory=dict)
    insights: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)


class EksExtras:
    """A loopback HTTP server: three EKS operations answered here, the rest proxied to moto."""

    def __init__(self, moto_url: str) -> None:
        self.moto_url = moto_url.rstrip("/")
        self.state = EksState()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> None:
        self.state = EksState()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        extras = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._route()

            def do_POST(self) -> None:
                self._route()

            def do_PUT(self) -> None:
                self._route()

            def do_DELETE(self) -> None:
                self._route()

            def _route(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                state = extras.state
                state.requests.append((self.command, self.path))
                if self.command == "GET" and (m := _ACCESS_ENTRIES.match(self.path)):
                    self._json({"accessEntries": state.access_entries.get(m[1], [])})
                elif self.command == "POST" and (m := _INSIGHTS.match(self.path)):
                    summaries = [_summary(i) for i in state.insights.get(m[1], [])]
                    self._json({"insights": summaries})
                elif self.command == "GET" and (m := _INSIGHT.match(self.path)):
                    found = [i for i in state.insights.get(m[1], []) if i["id"] == m[2]]
                    if found:
                        self._json({"insight": found[0]})
                    else:
                        self._json({"message": "no such insight"}, 404, "ResourceNotFoundException")
                else:
                    self._proxy(body)

            def _json(self, doc: Any, status: int = 200, error: str | None = None) -> None:
                data = json.dumps(doc).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                if error:
                    self.send_header("x-amzn-ErrorType", error)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _proxy(self, body: bytes) -> None:
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                request = urllib.request.Request(
                    extras.moto_url + self.path,
                    data=body or None,
                    headers=headers,
                    method=self.command,
                )
                try:
                    with urllib.request.urlopen(request, timeout=30) as response:
                        status, reply, data = response.status, response.headers, response.read()
                except urllib.error.HTTPError as exc:
                    status, reply, data = exc.code, exc.headers, exc.read()
                self.send_response(status)
                for key, value in reply.items():
                    if key.lower() not in ("content-length", "transfer-encoding", "connection"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


def _summary(insight: dict[str, Any]) -> dict[str, Any]:
    """What list-insights shows of an insight: no recommendation, no resources."""
    return {k: v for k, v in insight.items() if k not in ("recommendation", "resources")}
