package azsim

import (
	"bytes"
	"errors"
	"io"
	"sync"
)

// Page buffers are pooled: a 999-item page is a few hundred kilobytes, and with a large tenant's heap
// every allocated byte costs garbage-collection work. A buffer handed out to a Graph handler is recycled
// after serveGraph has written the reply, so a reply body must not be retained beyond its request.

const maxPooledBuffer = 8 << 20

var pageBuffers sync.Pool // *[]byte

// pageBuffer returns an empty buffer with room for n bytes. The caller hands the final buffer (after
// any regrowth) to keepPooled once it is in the reply.
func (c *gctx) pageBuffer(n int) []byte {
	if p, _ := pageBuffers.Get().(*[]byte); p != nil {
		if cap(*p) >= n {
			return (*p)[:0]
		}
		pageBuffers.Put(p)
	}
	return make([]byte, 0, n)
}

// keepPooled marks b, a reply body built in a pageBuffer, for recycling after the reply is written.
func (c *gctx) keepPooled(b []byte) { c.pooled = append(c.pooled, b) }

// recycle returns the request's page buffers to the pool (serveGraph, after writing the reply).
func (c *gctx) recycle() {
	for _, b := range c.pooled {
		if cap(b) <= maxPooledBuffer {
			b = b[:0]
			pageBuffers.Put(&b)
		}
	}
	c.pooled = nil
}

// bodyBuffers back the in-process transport's response recorders; a response body returns its buffer
// when closed.
var bodyBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// pooledBody reads a recorded response and recycles its buffer on Close.
type pooledBody struct {
	mu     sync.Mutex
	r      *bytes.Reader
	buf    *bytes.Buffer
	closed bool
}

var errBodyClosed = errors.New("azsim: read on closed response body")

func newPooledBody(buf *bytes.Buffer) *pooledBody {
	return &pooledBody{r: bytes.NewReader(buf.Bytes()), buf: buf}
}

func (b *pooledBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, errBodyClosed
	}
	return b.r.Read(p)
}

// WriteTo lets io.Copy skip its intermediate buffer.
func (b *pooledBody) WriteTo(w io.Writer) (int64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, errBodyClosed
	}
	return b.r.WriteTo(w)
}

func (b *pooledBody) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.closed {
		b.closed = true
		if b.buf.Cap() <= maxPooledBuffer {
			b.buf.Reset()
			bodyBuffers.Put(b.buf)
		}
		b.buf, b.r = nil, nil
	}
	return nil
}
