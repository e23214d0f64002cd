package main

import (
	"net"
	"sync"
	"sync/atomic"
)

// silentListener hands out connections that remember whether anything has arrived on them,
// and closing it closes those on which nothing ever did. fasthttp's Shutdown waits for every
// connection that is not idle between requests, and it counts a new connection as serving
// its first request before a byte of it arrives: a browser's speculative connection, or an
// HTTP client's spare one, would hold a graceful stop until the ReadTimeout ran out (30 s,
// three times the drain allowed). A connection that never spoke has no request in flight.
type silentListener struct {
	net.Listener
	mu     sync.Mutex
	conns  map[*watchedConn]struct{}
	closed bool
}

func newSilentListener(ln net.Listener) *silentListener {
	return &silentListener{Listener: ln, conns: map[*watchedConn]struct{}{}}
}

func (l *silentListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	w := &watchedConn{Conn: c, ln: l}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		c.Close()
		return nil, net.ErrClosed
	}
	l.conns[w] = struct{}{}
	return w, nil
}

// Close stops accepting and closes the connections on which nothing has arrived.
func (l *silentListener) Close() error {
	err := l.Listener.Close()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	for c := range l.conns {
		if !c.spoke.Load() {
			c.Conn.Close()
		}
	}
	return err
}

// watchedConn is a connection that records its first byte in.
type watchedConn struct {
	net.Conn
	ln    *silentListener
	spoke atomic.Bool
}

func (c *watchedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && !c.spoke.Load() {
		c.spoke.Store(true)
	}
	return n, err
}

func (c *watchedConn) Close() error {
	c.ln.mu.Lock()
	delete(c.ln.conns, c)
	c.ln.mu.Unlock()
	return c.Conn.Close()
}
