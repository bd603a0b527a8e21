package sms

import (
	"errors"
	"time"
)

// sendError marks a provider's error as permanent, or temporary with a
// wait the provider asked for.
type sendError struct {
	err        error
	permanent  bool
	retryAfter time.Duration
}

func (e *sendError) Error() string { return e.err.Error() }
func (e *sendError) Unwrap() error { return e.err }

// Permanent marks err as a failure that no retry can cure (an invalid
// number, rejected credentials): the worker dead-letters the message at
// once instead of trying again. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &sendError{err: err, permanent: true}
}

// IsPermanent reports whether err, or an error it wraps, was marked with
// Permanent. Every other error is temporary: an unknown failure is retried
// rather than losing a message.
func IsPermanent(err error) bool {
	var se *sendError
	return errors.As(err, &se) && se.permanent
}

// RetryAfter marks err as temporary with the wait the provider asked for
// (an HTTP Retry-After): the worker waits at least that long, more if its
// backoff says so. RetryAfter(nil, d) is nil.
func RetryAfter(err error, wait time.Duration) error {
	if err == nil {
		return nil
	}
	return &sendError{err: err, retryAfter: wait}
}

// retryAfter returns the wait that err asks for, 0 if none.
func retryAfter(err error) time.Duration {
	var se *sendError
	if errors.As(err, &se) && !se.permanent {
		return se.retryAfter
	}
	return 0
}
