package main

import (
	"strings"

	"github.com/muster-org/muster"
)

// isUsageError recognizes cobra's errors about flags and arguments, which
// come as plain errors.
func isUsageError(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown flag", "unknown shorthand", "unknown command", "accepts ", "requires ", "invalid argument", "flag needs an argument", "required flag"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// usageError is a bad-usage error raised by our own argument checks.
func usageError(format string, args ...any) error {
	return muster.Errorf(muster.Invalid, format, args...)
}
