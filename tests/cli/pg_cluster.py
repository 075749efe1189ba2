"""A PostgreSQL 15 cluster of a CLI test's own (as tests/support/pg_cluster.h starts one): initdb and
pg_ctl of Debian's package in /tmp/iwd-pg-XXXXXX (reaped by tests/support/pg_cluster.sh if the
test dies first), its Unix socket only, as the user postgres when run as root."""
import os
import shutil
import subprocess
import tempfile
import time

from serve_lib import start_serve

PG = "/usr/lib/postgresql/15/bin"


class Cluster:
    """Started at once; close() stops it (immediate) and removes its folder."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="iwd-pg-", dir="/tmp")
        with open(os.path.join(self.dir, "owner"), "w") as f:
            f.write(f"{os.getpid()}\n")
        self.as_user = []
        if os.geteuid() == 0:
            subprocess.run(["chown", "postgres", self.dir], check=True)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self.run(["initdb", "-D", self.dir + "/data", "-U", "iwd", "-A", "trust", "--no-sync", "-E", "UTF8",
                  "--locale=C.UTF-8"])
        self.start()
        self.url = f"postgresql://iwd@/postgres?host={self.dir}"

    def start(self):
        """Starts it (again), waiting until it accepts connections."""
        self.run(["pg_ctl", "-D", self.dir + "/data", "-l", self.dir + "/server.log", "-w", "-t", "30", "-o",
                  f"-c listen_addresses= -c unix_socket_directories={self.dir}", "start"])

    def stop(self, mode="fast"):
        """Stops it (`fast`: its sessions disconnected, open transactions rolled back), waiting until it is down."""
        self.run(["pg_ctl", "-D", self.dir + "/data", "-m", mode, "-w", "-t", "30", "stop"])

    def restart(self):
        """`pg_ctl restart -m fast`: down and up again, waiting until it accepts connections."""
        self.run(["pg_ctl", "-D", self.dir + "/data", "-l", self.dir + "/server.log", "-m", "fast", "-w", "-t", "30",
                  "-o", f"-c listen_addresses= -c unix_socket_directories={self.dir}", "restart"])

    def run(self, cmd):
        subprocess.run(["timeout", "60"] + self.as_user + [os.path.join(PG, cmd[0])] + cmd[1:], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def sql(self, statement):
        subprocess.run([os.path.join(PG, "psql"), "-h", self.dir, "-U", "iwd", "-d", "postgres", "-v", "ON_ERROR_STOP=1",
                        "-q", "-c", statement], check=True, timeout=30, stdout=subprocess.DEVNULL)

    def query(self, statement):
        """The rows of a query, as psql prints them unaligned (`|` between columns)."""
        return subprocess.run([os.path.join(PG, "psql"), "-h", self.dir, "-U", "iwd", "-d", "postgres", "-v",
                               "ON_ERROR_STOP=1", "-At", "-c", statement], check=True, timeout=30,
                              capture_output=True, text=True).stdout.splitlines()

    def close(self):
        try:
            self.run(["pg_ctl", "-D", self.dir + "/data", "-m", "immediate", "-w", "-t", "30", "stop"])
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class Session:
    """A psql session of a test's own on `cluster`, kept open (a lock held, a transaction open)
    until close(): say() sends statements and waits until psql prints the line `answer`."""

    def __init__(self, cluster):
        self.psql = subprocess.Popen([os.path.join(PG, "psql"), "-h", cluster.dir, "-U", "iwd", "-d", "postgres", "-At",
                                      "-v", "ON_ERROR_STOP=1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)

    def say(self, statements, answer):
        self.psql.stdin.write(statements + "\n")
        self.psql.stdin.flush()
        got = []
        while True:  # bounded by the test's own timeout
            line = self.psql.stdout.readline()
            if not line:
                raise SystemExit(f"the test's psql session ended: {''.join(got)[-500:]}")
            got.append(line)
            if line.strip() == answer:
                return

    def close(self):
        if self.psql.poll() is None:
            self.psql.stdin.close()
            self.psql.wait(timeout=10)


def serve_on(cluster, iwd, tmp, config, wait=15):
    """`iwd serve --store` on the cluster (serve_lib.start_serve), started again while another
    holds the lease (a killed one's, 2 s): (process, port)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            return start_serve(iwd, tmp, config, store=cluster.url)
        except SystemExit:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def tear_down(cluster, proc, tmp, failed):
    """After a test: its serve killed if still running, the cluster stopped, the serve's log
    printed when a check failed, TMP removed."""
    if proc and proc.poll() is None:
        proc.kill()
        proc.wait()
    cluster.close()
    if failed:
        print(open(os.path.join(tmp, "serve.log")).read()[-3000:])
    shutil.rmtree(tmp, ignore_errors=True)
