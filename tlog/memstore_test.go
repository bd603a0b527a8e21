package tlog_test

import (
	"testing"

	"github.com/muster-org/muster/tlog"
	"github.com/muster-org/muster/tlog/tlogtest"
)

func TestMemStoreConformance(t *testing.T) {
	tlogtest.Run(t, func(*testing.T) tlog.Store { return tlog.NewMemStore() })
}
