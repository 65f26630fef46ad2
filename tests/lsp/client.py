"""A minimal LSP client over a child's stdio, for the tests: frames
messages with Content-Length, keeps the notifications that arrive while it
waits for a response."""
import json
import subprocess


class Client:
    def __init__(self, argv, env=None):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        self.next_id = 0
        self.notes = []

    def send_raw(self, data):
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def send(self, msg):
        msg = dict(msg, jsonrpc="2.0")
        body = json.dumps(msg).encode()
        self.send_raw(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def read(self):
        """One message, or None at end of output."""
        length = None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                return None
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return json.loads(self.proc.stdout.read(length))

    def request(self, method, params=None):
        self.next_id += 1
        self.send({"id": self.next_id, "method": method, "params": params})
        return self.response(self.next_id)

    def response(self, id):
        while True:
            msg = self.read()
            if msg is None or ("id" in msg and "method" not in msg and msg["id"] == id):
                return msg
            self.notes.append(msg)

    def notify(self, method, params=None):
        self.send({"method": method, "params": params})

    def notification(self, method):
        """The next notification of that method (read until it comes)."""
        while True:
            for i, n in enumerate(self.notes):
                if n.get("method") == method:
                    return self.notes.pop(i)
            msg = self.read()
            if msg is None:
                return None
            self.notes.append(msg)

    def finish(self):
        self.proc.stdin.close()
        rc = self.proc.wait(timeout=10)
        self.proc.stdout.close()
        return rc
