package sms

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/muster-org/muster"
)

// FileProvider "sends" by appending one JSON line per message to a file
// or writer: the default provider, for the demo and for tests, where no
// SMS may leave the machine. The file holds phone numbers and texts, so
// OpenFileProvider creates it readable by its owner only. It is safe for
// concurrent use; each line is written with one Write call, so lines
// from several processes appending to one file do not interleave.
type FileProvider struct {
	Now func() time.Time // the time written in each line; nil → time.Now

	mu     sync.Mutex
	w      io.Writer
	closer io.Closer
}

// FileLine is one line of a FileProvider's output.
type FileLine struct {
	ID      string    `json:"id"`      // the provider ID Send returned
	Message int64     `json:"message"` // the outbox ID
	OrderID string    `json:"order_id,omitempty"`
	Topic   string    `json:"topic,omitempty"`
	To      string    `json:"to"`
	Text    string    `json:"text"`
	At      time.Time `json:"at"`
}

// NewFileProvider returns a FileProvider that writes to w.
func NewFileProvider(w io.Writer) *FileProvider {
	return &FileProvider{w: w}
}

// OpenFileProvider returns a FileProvider that appends to the file at
// path, creating it with mode 0600 if needed. Close closes the file.
func OpenFileProvider(path string) (*FileProvider, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, muster.Wrap(muster.Invalid, err, "sms file provider: opening %s", path)
	}
	return &FileProvider{w: f, closer: f}, nil
}

// Send implements Provider. The ID is "file-" and the outbox ID: the same
// on every attempt, so the file shows a message written twice (after a
// crash between Send and Outbox.Sent) as two lines with one ID.
func (p *FileProvider) Send(ctx context.Context, m Message) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", muster.Wrap(muster.Internal, err, "sms file provider: %s", m)
	}
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	line := FileLine{ID: "file-" + strconv.FormatInt(m.ID, 10), Message: m.ID, OrderID: m.OrderID, Topic: m.Topic,
		To: m.To, Text: m.Text, At: now().UTC()}
	b, err := json.Marshal(line)
	if err != nil {
		return "", Permanent(muster.Wrap(muster.Internal, err, "sms file provider: encoding %s", m))
	}
	b = append(b, '\n')
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.w == nil {
		// Temporary: a send racing a shutdown must not dead-letter the message.
		return "", muster.Errorf(muster.Internal, "sms file provider: closed, or made without NewFileProvider or OpenFileProvider")
	}
	if _, err := p.w.Write(b); err != nil {
		return "", muster.Wrap(muster.Internal, err, "sms file provider: writing %s", m)
	}
	return line.ID, nil
}

// Close closes the file that OpenFileProvider opened; for a
// NewFileProvider it only stops further sends.
func (p *FileProvider) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.w = nil
	if p.closer == nil {
		return nil
	}
	err := p.closer.Close()
	p.closer = nil
	return err
}
