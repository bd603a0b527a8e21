package sms

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"
)

func TestFileProviderConcurrentLines(t *testing.T) {
	var buf bytes.Buffer
	p := NewFileProvider(&buf)
	at := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	p.Now = func() time.Time { return at }
	const n = 200
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			m := testMessage
			m.ID = int64(i + 1)
			id, err := p.Send(context.Background(), m)
			if err != nil || id != "file-"+itoa(m.ID) {
				t.Errorf("Send(%d) = %q, %v", m.ID, id, err)
			}
		})
	}
	wg.Wait()
	seen := map[int64]bool{}
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		var l FileLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		if seen[l.Message] || l.ID != "file-"+itoa(l.Message) || l.To != testMessage.To || l.Text != testMessage.Text ||
			l.OrderID != testMessage.OrderID || l.Topic != testMessage.Topic || !l.At.Equal(at) {
			t.Errorf("line %+v: repeated or wrong", l)
		}
		seen[l.Message] = true
	}
	if len(seen) != n {
		t.Errorf("%d lines, want %d", len(seen), n)
	}
}

func TestOpenFileProvider(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sms.jsonl")
	for round := range 2 { // the second open appends
		p, err := OpenFileProvider(path)
		if err != nil {
			t.Fatal(err)
		}
		m := testMessage
		m.ID = int64(round + 1)
		if _, err := p.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
		if err := p.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := p.Send(context.Background(), m); err == nil || IsPermanent(err) {
			t.Errorf("Send after Close = %v, want a temporary error", err)
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600: the file holds phone numbers", st.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	if n := bytes.Count(b, []byte("\n")); n != 2 {
		t.Errorf("%d lines after two opens, want 2", n)
	}
	if _, err := OpenFileProvider(filepath.Join(t.TempDir(), "no", "such", "dir", "f")); err == nil {
		t.Error("OpenFileProvider in a missing directory succeeded")
	}
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
