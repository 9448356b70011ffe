package main

import (
	"bufio"
	"io"
	"sync"
	"time"
)

// logWriter buffers the process log and writes it out when the buffer fills,
// every interval, and on Close. Every request is logged, and one write
// system call per line cost about half the throughput of cached reads; a
// line now reaches the output at most interval late.
type logWriter struct {
	mu   sync.Mutex
	buf  *bufio.Writer
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

func newLogWriter(w io.Writer, interval time.Duration) *logWriter {
	l := &logWriter{buf: bufio.NewWriterSize(w, 64<<10), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(l.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				l.flush()
			case <-l.stop:
				return
			}
		}
	}()
	return l
}

func (l *logWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p) //nolint:wrapcheck // a log sink's own error
}

func (l *logWriter) flush() {
	l.mu.Lock()
	_ = l.buf.Flush()
	l.mu.Unlock()
}

// Close stops the flusher and writes out what is buffered.
func (l *logWriter) Close() {
	l.once.Do(func() {
		close(l.stop)
		<-l.done
		l.flush()
	})
}
