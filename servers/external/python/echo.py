"""echo-asyncio: the echo server written the way Python code is, with asyncio streams.

The lecture's event loop, inside an interpreter: one thread runs the loop (epoll
underneath, through selectors), and each connection is a coroutine that reads as if it
blocked; every await hands the loop to the others. So nothing here may block, and all of
it runs under the one interpreter lock. Two pitfalls of asyncio code are avoided where
the code says: write() alone never waits, so a server that does not await drain()
buffers without bound for a client that does not read; and the streams' limit is not the
protocol's (it counts the line without its separator).

    python3 echo-asyncio.py PORT        listens on 127.0.0.1:PORT; SIGTERM ends it

The protocol is the C models' (docs/servers.md): lines end with '\\n' and are at most
MAX_LINE bytes, the newline included, each echoed unchanged. 65536 bytes without a
newline close that connection; a partial line at EOF is dropped; a client that
half-closes gets the echo of every complete line it sent.
"""
import asyncio
import platform
import resource
import sys

MAX_LINE = 65536  # bytes, the newline included


def usage(message):
    sys.stderr.write(f"echo-asyncio: {message}\nusage: python3 echo-asyncio.py PORT\n")
    sys.exit(2)


async def echo(reader, writer):
    """Echoes one connection's lines until EOF, an error or a line over the limit."""
    try:
        while True:
            try:
                line = await reader.readuntil(b"\n")
            except asyncio.IncompleteReadError:
                break  # EOF: a partial line is dropped
            except asyncio.LimitOverrunError:
                break  # the limit reached without a newline: this client breaks the protocol
            writer.write(line)
            # Backpressure: wait while the transport's buffer is over its mark, so a
            # client that does not read holds only that much here, not all it sends.
            await writer.drain()
    except OSError:
        pass  # ECONNRESET, EPIPE, any socket error: this client is gone, and only this one
    finally:
        # Sends what is still buffered, then closes (after a half-close: the last echoes).
        writer.close()


async def serve(port):
    # readuntil fails once the data before the separator passes limit bytes, so a line
    # of MAX_LINE bytes, newline included, has MAX_LINE - 1 before it: that is the
    # limit. (The default, 65536, would let a line of 65537 bytes through.) The backlog
    # is the C models' 4096 (the kernel caps it at somaxconn), not asyncio's 100, which
    # would make a burst of connects wait for SYN retries.
    server = await asyncio.start_server(
        echo, "127.0.0.1", port, limit=MAX_LINE - 1, backlog=4096
    )
    async with server:
        await server.serve_forever()


def main(args):
    if args == ["--version"]:
        print(platform.python_version())
        return
    if args in (["--help"], ["-h"]):
        print("usage: python3 echo-asyncio.py PORT\n"
              "An echo server on 127.0.0.1:PORT with asyncio streams; SIGTERM ends it.")
        return
    if not args:
        usage("missing PORT")
    if len(args) > 1:
        usage(f"unexpected argument '{args[1]}' after PORT")
    port = int(args[0]) if args[0].isascii() and args[0].isdigit() else 0
    if not 1 <= port <= 65535:
        usage(f"PORT must be a number from 1 to 65535, not '{args[0]}'")
    # As the C models, Go and Node do: the soft descriptor limit up to the hard one, so
    # the server meets the limit a user set, not the 1024 a shell starts with.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError) as err:
            sys.stderr.write(f"echo-asyncio: warning: cannot raise the descriptor limit: {err}\n")
    # SIGTERM keeps its default action: the process ends, and the kernel closes every
    # connection.
    try:
        asyncio.run(serve(port))
    except OSError as err:
        sys.stderr.write(f"echo-asyncio: cannot listen on 127.0.0.1 port {port}: {err.strerror}\n")
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main(sys.argv[1:])
