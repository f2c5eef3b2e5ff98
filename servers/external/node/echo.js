// echo-node: the echo server written the way Node.js code is, with the net module.
//
// The lecture's event loop, on libuv: one thread runs every connection's callbacks
// (epoll underneath), so a connection is a line buffer, as in echo-epoll, and
// nothing here may block. Two pitfalls of Node code are avoided where the code says:
// a socket without an 'error' listener turns one client's reset into an exception
// that ends the process, and every client with it; and a server that ignores what
// write() returns buffers without bound for a client that sends and does not read.
//
//     node echo-node.js PORT        listens on 127.0.0.1:PORT; SIGTERM ends it
//
// The protocol is the C models' (docs/servers.md): lines end with '\n' and are at most
// MAX_LINE bytes, the newline included, each echoed unchanged. 65536 bytes without a
// newline close that connection; a partial line at EOF is dropped; a client that
// half-closes gets the echo of every complete line it sent.
'use strict';

const net = require('net');

const MAX_LINE = 65536; // bytes, the newline included
const NEWLINE = 0x0a;

function usage(message) {
    process.stderr.write(`echo-node: ${message}\nusage: node echo-node.js PORT\n`);
    process.exit(2);
}

function serve(socket) {
    // The partial line after the last newline, as the chunks it came in: joined once,
    // when its newline arrives, so a line sent a byte at a time costs no more than one
    // sent whole.
    let partial = [];
    let partialLength = 0;

    socket.setNoDelay(true); // every echo is one write: no Nagle delay (as the C models)

    socket.on('data', (chunk) => {
        // lineStart: where the line being scanned began, counted from the chunk's first
        // byte (negative while it began in an earlier chunk).
        let lineStart = -partialLength;
        for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, nl + 1)) {
            if (nl + 1 - lineStart > MAX_LINE) {
                socket.destroy(); // a line over the limit: this client breaks the protocol
                return;
            }
            lineStart = nl + 1;
        }
        if (chunk.length - lineStart >= MAX_LINE) {
            socket.destroy(); // the limit reached without a newline
            return;
        }
        if (lineStart > 0) {
            // Every complete line of the chunk, in one write.
            const lines = chunk.subarray(0, lineStart);
            const out = partialLength > 0 ? Buffer.concat([...partial, lines]) : lines;
            partial = [];
            partialLength = 0;
            // Backpressure: write() returns false once the socket's buffer is over its
            // mark. Stop reading until it drains, so a client that does not read holds
            // only that much here (and the kernel's buffers), not all it sends.
            if (!socket.write(out))
                socket.pause();
        }
        const rest = lineStart > 0 ? lineStart : 0;
        if (rest < chunk.length) {
            partial.push(chunk.subarray(rest));
            partialLength += chunk.length - rest;
        }
    });
    socket.on('drain', () => socket.resume());
    // The client half-closed: the partial line is dropped, the echoes already written
    // are sent, then this side ends too (allowHalfOpen keeps it open until then).
    socket.on('end', () => socket.end());
    // ECONNRESET, EPIPE: this client is gone, and only this one. Without a listener the
    // 'error' event would be thrown and end the whole server. 'close' follows.
    socket.on('error', () => {});
}

function main(args) {
    if (args.length === 1 && args[0] === '--version') {
        process.stdout.write(`${process.version}\n`);
        return;
    }
    if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
        process.stdout.write('usage: node echo-node.js PORT\n' +
                             'An echo server on 127.0.0.1:PORT with the net module; ' +
                             'SIGTERM ends it.\n');
        return;
    }
    if (args.length === 0)
        usage('missing PORT');
    if (args.length > 1)
        usage(`unexpected argument '${args[1]}' after PORT`);
    const port = /^[0-9]{1,5}$/.test(args[0]) ? Number(args[0]) : NaN;
    if (!(port >= 1 && port <= 65535))
        usage(`PORT must be a number from 1 to 65535, not '${args[0]}'`);

    const server = net.createServer({allowHalfOpen: true}, serve);
    const cannotListen = (err) => {
        process.stderr.write(`echo-node: cannot listen on 127.0.0.1 port ${port}: ${err.message}\n`);
        process.exit(1);
    };
    server.once('error', cannotListen);
    server.once('listening', () => {
        // From here an 'error' is a failed accept (libuv already sheds a connection at
        // EMFILE, through its reserve descriptor): said, and the server goes on.
        server.off('error', cannotListen);
        server.on('error', (err) => process.stderr.write(`echo-node: accept: ${err.message}\n`));
    });
    // The C models' backlog, 4096 (the kernel caps it at somaxconn): Node's default,
    // 511, would make a burst of connects wait for SYN retries, and the time to open
    // would measure the backlog, not the runtime. SIGTERM keeps its default action:
    // the process ends, and the kernel closes every connection.
    server.listen({ port, host: '127.0.0.1', backlog: 4096 });
}

main(process.argv.slice(2));
