// Package muster holds what every part of the system shares: the error
// kinds that domain packages return and that transports map to HTTP
// statuses and CLI exit codes. It imports nothing of the project.
package muster

import (
	"errors"
	"fmt"
)

// Kind classifies an error for the caller: a transport maps each kind to one
// status (see httpapi) and one exit code (see cmd/muster), in one place.
type Kind string

// The error kinds. Their string values are part of the API: JSON error
// bodies carry them as "code".
const (
	Invalid      Kind = "invalid"      // the request or input is malformed or breaks a rule
	NotFound     Kind = "not_found"    // no such thing, or not visible to the caller
	Conflict     Kind = "conflict"     // the state of the system forbids it (duplicates, illegal transitions)
	Unauthorized Kind = "unauthorized" // the caller is not authenticated
	Forbidden    Kind = "forbidden"    // the caller is authenticated but may not do this
	Internal     Kind = "internal"     // a fault of ours; details go to the log, not the caller
)

// Error is a domain error: a kind, a message fit for the caller, and an
// optional cause kept for the log.
type Error struct {
	Kind    Kind
	Message string
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return e.Message + ": " + e.Err.Error()
	}
	return e.Message
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error of the given kind with a formatted message.
func Errorf(kind Kind, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error of the given kind that keeps err as its cause.
func Wrap(kind Kind, err error, format string, args ...any) error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...), Err: err}
}

// ErrorKind returns the kind of the first *Error in err's chain, Internal
// when there is none, and "" for a nil error.
func ErrorKind(err error) Kind {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// ErrorMessage returns the caller-facing message of the first *Error in
// err's chain; internal errors get a generic message so that no detail of
// ours leaks to a caller.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Kind != Internal {
		return e.Message
	}
	return "internal error"
}
