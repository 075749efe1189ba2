"""`iwd serve` for the crash harness: start it on a data folder, kill it (SIGKILL) or stop it
(SIGTERM), and call it over HTTP/JSON on loopback (standard library only)."""
import http.client
import json
import os
import signal
import subprocess
import time


class Lost(Exception):
    """No reply came. `sent` is False when the request surely never reached the server (the
    connection was refused), True when it may have been applied."""

    def __init__(self, sent, why):
        super().__init__(why)
        self.sent = sent


class Server:
    def __init__(self, iwd, workdir):
        self.iwd = iwd
        self.workdir = workdir
        self.proc = None
        self.port = None
        self.log_path = os.path.join(workdir, "serve.log")

    def start(self, rules, data, config=None, timeout=120):
        """Starts the server and waits for its port; raises RuntimeError if it does not come up."""
        port_file = os.path.join(self.workdir, "port")
        if os.path.exists(port_file):
            os.remove(port_file)
        cmd = [self.iwd, "serve", "--rules", rules, "--data", data, "--listen", "127.0.0.1:0", "--port-file", port_file]
        if config:
            cmd += ["--config", config]
        with open(self.log_path, "a") as log:
            log.write(f"--- {' '.join(cmd)}\n")
            log.flush()
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"iwd serve exited with status {self.proc.returncode} at start (log: {self.log_path})")
            try:
                with open(port_file) as f:
                    text = f.read().strip()
                if text:
                    self.port = int(text)
                    break
            except FileNotFoundError:
                pass
            time.sleep(0.02)
        else:
            self.kill()
            raise RuntimeError(f"iwd serve did not write its port within {timeout} s (log: {self.log_path})")
        # Up once it answers.
        while time.monotonic() < deadline:
            try:
                status, _ = Client(self.port, timeout=10).call("GET", "/healthz")
                if status == 200:
                    return self.port
            except Lost:
                pass
            time.sleep(0.02)
        self.kill()
        raise RuntimeError(f"iwd serve did not answer /healthz within {timeout} s (log: {self.log_path})")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill(self):
        """SIGKILL; returns once the process is gone."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.proc = None

    def term(self, timeout=60):
        """SIGTERM and wait: the exit status (None if it had to be killed)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            return None
        self.proc = None
        return rc

    def log_size(self):
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def log_since(self, offset):
        with open(self.log_path, errors="replace") as f:
            f.seek(offset)
            return f.read()

    def log_tail(self, lines=20):
        try:
            with open(self.log_path, errors="replace") as f:
                return "".join(f.readlines()[-lines:])
        except OSError:
            return ""


class Client:
    """One kept-alive connection. `call` returns (status, parsed JSON body or None)."""

    def __init__(self, port, timeout=30):
        self.port = port
        self.timeout = timeout
        self.conn = None
        self.headers = {}  # sent with every request (Authorization)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def send(self, method, path, body=None, text=None):
        """Sends a request without waiting for its reply (`receive` reads it)."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
            try:
                self.conn.connect()
            except OSError as e:
                self.close()
                raise Lost(False, f"connect: {e}")
        headers = dict(self.headers)
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        elif text is not None:
            payload = text.encode()
            headers["Content-Type"] = "text/plain"
        try:
            self.conn.request(method, path, body=payload, headers=headers)
        except OSError as e:
            self.close()
            raise Lost(True, f"send: {e}")

    def receive(self):
        try:
            r = self.conn.getresponse()
            data = r.read()
        except (OSError, http.client.HTTPException) as e:
            self.close()
            raise Lost(True, f"reply: {type(e).__name__}: {e}")
        if r.getheader("Connection", "").lower() == "close":
            self.close()
        try:
            return r.status, json.loads(data) if data else None
        except ValueError:
            return r.status, data.decode(errors="replace")

    def call(self, method, path, body=None, text=None):
        self.send(method, path, body, text)
        return self.receive()
