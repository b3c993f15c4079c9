"""A minimal SMTP sink for the benchmark: accepts every message, keeps only counts.

Plain asyncio, so the sink costs as little CPU as possible next to the stack it measures.
Besides standard SMTP (EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) it answers three
commands for the harness on the same port:

  XSTAT          250 <messages> <distinct recipients> <bytes> <first_ts> <last_ts> <refused>
  XDUMP <path>   writes every recipient seen, one per line
  XRESET         forgets everything
  XDOWN <secs>   for that long answers MAIL with 421 and hangs up (a provider down or throttling)

Run: python bench/smtp_sink.py PORT
"""

import asyncio
import sys
import time


class Sink:
    def __init__(self):
        self.reset()

    def reset(self):
        self.messages = 0
        self.bytes = 0
        self.first = 0.0
        self.last = 0.0
        self.recipients = []
        self.unique = set()
        self.refused = 0
        self.down_until = 0.0

    def delivered(self, recipients, size):
        now = time.time()
        if not self.messages:
            self.first = now
        self.last = now
        self.messages += 1
        self.bytes += size
        self.recipients.extend(recipients)
        self.unique.update(recipients)


SINK = Sink()


async def session(reader, writer):
    write = writer.write
    write(b"220 bench-sink ESMTP\r\n")
    recipients = []
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            verb = line[:4].upper()
            if verb == b"EHLO":
                write(b"250-bench-sink\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 PIPELINING\r\n")
            elif verb == b"HELO":
                write(b"250 bench-sink\r\n")
            elif verb == b"MAIL":
                recipients = []
                if time.time() < SINK.down_until:
                    SINK.refused += 1
                    write(b"421 4.7.0 Try again later, closing connection\r\n")
                    await writer.drain()
                    break
                write(b"250 OK\r\n")
            elif verb == b"RCPT":
                address = line.partition(b":")[2].strip().split(b" ")[0].strip(b"<>")
                recipients.append(address.decode("utf-8", "replace"))
                write(b"250 OK\r\n")
            elif verb == b"DATA":
                write(b"354 go ahead\r\n")
                data = await reader.readuntil(b"\r\n.\r\n")
                SINK.delivered(recipients, len(data))
                recipients = []
                write(b"250 OK queued\r\n")
            elif verb in (b"RSET", b"NOOP"):
                recipients = []
                write(b"250 OK\r\n")
            elif verb == b"QUIT":
                write(b"221 bye\r\n")
                break
            elif verb == b"XSTA":
                write(
                    f"250 {SINK.messages} {len(SINK.unique)} {SINK.bytes} {SINK.first:.6f} {SINK.last:.6f}"
                    f" {SINK.refused}\r\n".encode()
                )
            elif verb == b"XDUM":
                path = line.split(b" ", 1)[1].strip().decode()
                with open(path, "w") as out:
                    out.write("\n".join(SINK.recipients))
                write(b"250 OK\r\n")
            elif verb == b"XDOW":
                SINK.down_until = time.time() + float(line.split(b" ", 1)[1])
                write(b"250 OK\r\n")
            elif verb == b"XRES":
                SINK.reset()
                write(b"250 OK\r\n")
            else:
                write(b"502 not implemented\r\n")
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


async def main(port: int):
    server = await asyncio.start_server(session, "127.0.0.1", port, backlog=256, limit=1 << 20)
    print(f"sink listening on {port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1])))
