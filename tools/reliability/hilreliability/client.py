"""A small HTTP client for hild's API, over its Unix socket or TCP (with the bearer token).

The standard library only: the suites measure hild, so the client must be plain and predictable
(one request, one connection unless the caller keeps one open, no retries hidden inside).
"""
import http.client
import json
import socket
import time


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path, timeout=30.0):
        super().__init__("localhost", timeout=timeout)
        self.socket_path = path

    def connect(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(self.timeout)
        s.connect(self.socket_path)
        self.sock = s


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<{self.status} {self.body[:200]!r}>"


class Client:
    """`Client(socket_path=…)` or `Client(tcp=("127.0.0.1", port), token=…)`."""

    def __init__(self, socket_path=None, tcp=None, token=None, timeout=30.0):
        assert (socket_path is None) != (tcp is None)
        self.socket_path, self.tcp, self.token, self.timeout = socket_path, tcp, token, timeout

    def connection(self, timeout=None):
        t = self.timeout if timeout is None else timeout
        if self.socket_path:
            return UnixHTTPConnection(self.socket_path, timeout=t)
        return http.client.HTTPConnection(self.tcp[0], self.tcp[1], timeout=t)

    def headers(self, extra=None):
        h = {}
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        h.update(extra or {})
        return h

    def request(self, method, path, body=None, headers=None, timeout=None, conn=None):
        """One request; raises OSError / http.client errors when hild is not there."""
        own = conn is None
        c = conn or self.connection(timeout)
        try:
            c.request(method, path, body=body, headers=self.headers(headers))
            r = c.getresponse()
            data = r.read()
            return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
        finally:
            if own:
                c.close()

    def get_json(self, path, **kw):
        r = self.request("GET", path, **kw)
        if r.status != 200:
            raise RuntimeError(f"GET {path}: {r.status} {r.body[:300]!r}")
        return r.json()

    def put_artifact(self, kind, data, **kw):
        return self.request("POST", f"/v1/artifacts?kind={kind}", body=data,
                            headers={"Content-Type": "application/octet-stream"}, **kw)

    def submit(self, spec, **kw):
        return self.request("POST", "/v1/jobs", body=json.dumps(spec).encode(),
                            headers={"Content-Type": "application/json"}, **kw)

    def wait_up(self, timeout=60.0, alive=lambda: True):
        """Until /healthz answers 200; False when `alive()` turns false or time runs out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not alive():
                return False
            try:
                if self.request("GET", "/healthz", timeout=2).status == 200:
                    return True
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.02)
        return False


def sse_events(client, job_id, after=0, timeout=60.0, on_connect=None):
    """Yields (seconds since the request, JobEvent dict) from the live stream of one job until it
    ends. Raises on a non-200 answer. `on_connect(response_seconds)` is called at the headers."""
    c = client.connection(timeout)
    start = time.monotonic()
    try:
        c.request("GET", f"/v1/jobs/{job_id}/events?after={after}",
                  headers=client.headers({"Accept": "text/event-stream"}))
        r = c.getresponse()
        if r.status != 200:
            raise RuntimeError(f"event stream of job {job_id}: {r.status} {r.read()[:300]!r}")
        if on_connect:
            on_connect(time.monotonic() - start)
        data = []
        while True:
            line = r.readline()  # HTTPResponse undoes the chunked encoding
            if not line:
                return
            line = line.rstrip(b"\r\n")
            if line.startswith(b"data:"):
                data.append(line[5:].lstrip())
            elif not line and data:
                yield time.monotonic() - start, json.loads(b"\n".join(data))
                data = []
    finally:
        c.close()
