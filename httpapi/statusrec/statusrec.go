// Package statusrec records the status an HTTP handler answered, for the
// request logs and metrics of the API and the officer UI.
package statusrec

import "net/http"

// Writer is an http.ResponseWriter that remembers the first status written.
type Writer struct {
	http.ResponseWriter
	status int
}

// New wraps w.
func New(w http.ResponseWriter) *Writer { return &Writer{ResponseWriter: w} }

// WriteHeader records code and passes it on.
func (w *Writer) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200 when nothing was written before.
func (w *Writer) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *Writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Status is the status answered: 200 if the handler wrote nothing.
func (w *Writer) Status() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

// Wrote reports whether the handler has written a status or a body.
func (w *Writer) Wrote() bool { return w.status != 0 }
