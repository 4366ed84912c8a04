"""A loopback SMTP server for the notification tests (aiosmtpd, Debian's python3-aiosmtpd).

    python3 smtp_sink.py PORT DIR

Accepts mail on 127.0.0.1:PORT (0: a free port) and appends one JSON line per message to DIR/messages.jsonl, with
the headers decoded by Python's own email package (an independent check of the RFC 2047 subject and the base64
UTF-8 body). Recipients starting with "reject" get a permanent 550; those starting with "later" a temporary 451.
Prints "READY <port>" once it accepts connections; stops on SIGTERM.
"""
import email
import email.policy
import json
import os
import signal
import socket
import sys
import threading

from aiosmtpd.controller import Controller


class Handler:
    def __init__(self, directory):
        self.path = os.path.join(directory, "messages.jsonl")
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject"):
            return "550 5.1.1 mailbox unavailable"
        if address.startswith("later"):
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        record = {
            "to": envelope.rcpt_tos,
            "from": envelope.mail_from,
            "subject": str(message["Subject"]),
            "raw_subject": raw.decode("ascii", "replace").split("\r\n\r\n", 1)[0],
            "message_id": str(message["Message-ID"]),
            "date": str(message["Date"]),
            "content_type": message.get_content_type(),
            "charset": message.get_content_charset(),
            "body": message.get_content(),
        }
        with self.lock:
            with open(self.path, "a", encoding="utf-8") as f:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
        return "250 Message accepted"


def main():
    port = int(sys.argv[1])
    directory = sys.argv[2]
    if port == 0:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    controller = Controller(Handler(directory), hostname="127.0.0.1", port=port)
    controller.start()
    print(f"READY {port}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    # A wait with a timeout, so that the main thread runs the signal handlers.
    while not stop.wait(0.2):
        pass
    controller.stop()


if __name__ == "__main__":
    main()
