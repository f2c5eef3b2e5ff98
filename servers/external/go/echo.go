// echo-go: the echo server written the way Go code is, a goroutine per connection
// with bufio.
//
// The lecture's thread per connection, as thread-like code on an epoll poller: each
// connection's goroutine reads and writes as if it blocked (CS:APP's echo loop), while
// the runtime parks it and waits for its socket in one epoll set, so a goroutine costs
// a few KiB of stack, not a thread. The pitfall avoided is the unbounded line:
// bufio.Reader.ReadString and ReadBytes grow without limit for a client that never
// sends a newline (and bufio.Scanner's own limit drops the newline), so lines are read
// with ReadSlice and joined here, up to maxLine.
//
//	echo-go PORT        listens on 127.0.0.1:PORT; SIGTERM ends it
//	echo-go --version   prints the Go runtime it was built with
//
// The protocol is the C models' (docs/servers.md): lines end with '\n' and are at most
// maxLine bytes, the newline included, each echoed unchanged. 65536 bytes without a
// newline close that connection; a partial line at EOF is dropped; a client that
// half-closes gets the echo of every complete line it sent.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strconv"
	"time"
)

const maxLine = 65536 // bytes, the newline included

var errTooLong = errors.New("line over the limit")

// readLine returns the next line, newline included, or an error: io.EOF (a partial
// line is dropped), errTooLong once maxLine bytes came without a newline, or the
// connection's error. A line that fits r's buffer is returned in it (good until the
// next read); a longer one is joined in memory of its own, which the garbage collector
// takes back once it is echoed, so an idle connection holds only its two buffers.
func readLine(r *bufio.Reader) ([]byte, error) {
	frag, err := r.ReadSlice('\n')
	if err != bufio.ErrBufferFull {
		return frag, err // a line that fits the buffer, the common case: no copy
	}
	line := append([]byte(nil), frag...)
	for {
		// ReadSlice hands out a full buffer each time, so the limit is met exactly
		// when its last byte arrives.
		if len(line) >= maxLine {
			return nil, errTooLong
		}
		frag, err = r.ReadSlice('\n')
		if err != nil && err != bufio.ErrBufferFull {
			return nil, err
		}
		line = append(line, frag...)
		if err == nil {
			if len(line) > maxLine {
				return nil, errTooLong
			}
			return line, nil
		}
	}
}

// lineBuffered says whether r already holds a complete line, which the next read
// returns without waiting for the client.
func lineBuffered(r *bufio.Reader) bool {
	b, _ := r.Peek(r.Buffered())
	return bytes.IndexByte(b, '\n') >= 0
}

// serve echoes one connection's lines until EOF, an error or a line over the limit,
// and closes it.
func serve(conn net.Conn) {
	defer conn.Close()
	r := bufio.NewReader(conn)
	w := bufio.NewWriter(conn)
	for {
		line, err := readLine(r)
		if err != nil {
			// EOF, a reset, or a line too long: this connection ends, the server
			// does not. The echoes still in w were flushed before the read waited.
			return
		}
		if _, err := w.Write(line); err != nil {
			return
		}
		// Flush before a read could wait: the echoes of lines that came together
		// go out in one write, and none waits behind a client that is silent.
		if !lineBuffered(r) {
			if err := w.Flush(); err != nil {
				return
			}
		}
	}
}

func usage(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "echo-go: "+format+"\nusage: echo-go PORT\n", args...)
	os.Exit(2)
}

func main() {
	args := os.Args[1:]
	if len(args) == 1 && args[0] == "--version" {
		fmt.Println(runtime.Version())
		return
	}
	if len(args) == 1 && (args[0] == "--help" || args[0] == "-h") {
		fmt.Println("usage: echo-go PORT\nAn echo server on 127.0.0.1:PORT, a goroutine per " +
			"connection; SIGTERM ends it.")
		return
	}
	if len(args) == 0 {
		usage("missing PORT")
	}
	if len(args) > 1 {
		usage("unexpected argument '%s' after PORT", args[1])
	}
	port, err := strconv.Atoi(args[0])
	if err != nil || port < 1 || port > 65535 || args[0][0] == '+' || args[0][0] == '-' {
		usage("PORT must be a number from 1 to 65535, not '%s'", args[0])
	}
	// The backlog is Go's: net.core.somaxconn. Go raises RLIMIT_NOFILE to its hard limit
	// itself, and sets TCP_NODELAY on every connection. SIGTERM keeps its default
	// action: the process ends, and the kernel closes every connection.
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", args[0]))
	if err != nil {
		fmt.Fprintf(os.Stderr, "echo-go: cannot listen on 127.0.0.1 port %d: %v\n", port, err)
		os.Exit(1)
	}
	var backoff time.Duration
	for {
		conn, err := ln.Accept()
		if err != nil {
			// EMFILE, ENFILE, ENOBUFS: out of something for now. Back off and try
			// again, as net/http does, rather than spin on the pending connection.
			if backoff == 0 {
				backoff = 5 * time.Millisecond
				fmt.Fprintf(os.Stderr, "echo-go: accept: %v (backing off)\n", err)
			} else {
				backoff *= 2
			}
			if backoff > time.Second {
				backoff = time.Second
			}
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		go serve(conn)
	}
}
