"""The benchmark's SMTP sink, in its own process (so it does not share the senders' GIL).

Prints its port on the first line of stdout, then answers each line read from stdin: "count" gives
"<messages received> <time.time() of the last one>"; "reset" zeroes the count; end of input stops it.
"""

import logging
import socket
import sys
import time

from aiosmtpd.controller import Controller

logging.getLogger("mail.log").setLevel(logging.WARNING)


class Sink:
    def __init__(self) -> None:
        self.count = 0
        self.last = 0.0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        self.last = time.time()
        return "250 OK"


def main() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    print(port, flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "reset":
            sink.count, sink.last = 0, 0.0
            print("ok", flush=True)
        elif command == "count":
            print(sink.count, sink.last, flush=True)
    controller.stop()


if __name__ == "__main__":
    main()
