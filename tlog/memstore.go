package tlog

import (
	"cmp"
	"context"
	"slices"
	"sync"

	"github.com/muster-org/muster"
)

// MemStore is a Store held in memory, for tests and tools. It is safe for
// concurrent use; each method is atomic, and there are no transactions
// (Log.Append writes with one AddLeaves call, so a batch is still all or
// nothing). It copies what it is given and what it returns, so callers
// cannot change it behind its back; tests that need to do that use Tamper.
type MemStore struct {
	mu   sync.RWMutex
	rows MemRows
}

// MemRows is what a MemStore holds, in the shape of the tables a SQL store
// would have.
type MemRows struct {
	Leaves      []StoredLeaf         // by index; a nil Hash marks a deleted row
	Tiles       map[[2]uint64][]byte // by (level, index)
	Checkpoints []StoredCheckpoint   // by increasing size
	Head        Head
}

// NewMemStore returns an empty MemStore.
func NewMemStore() *MemStore {
	return &MemStore{rows: MemRows{Tiles: make(map[[2]uint64][]byte)}}
}

// Head implements Reader.
func (m *MemStore) Head(context.Context) (Head, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return Head{Size: m.rows.Head.Size, Hashes: slices.Clone(m.rows.Head.Hashes)}, nil
}

// Leaves implements Reader. A leaf removed with Tamper is left out.
func (m *MemStore) Leaves(_ context.Context, begin, end uint64) ([]StoredLeaf, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []StoredLeaf
	for i := begin; i < end && i < uint64(len(m.rows.Leaves)); i++ {
		if l := m.rows.Leaves[i]; l.Hash != nil {
			out = append(out, StoredLeaf{Index: l.Index, Hash: slices.Clone(l.Hash), Data: slices.Clone(l.Data)})
		}
	}
	return out, nil
}

// LeafHashes implements Reader.
func (m *MemStore) LeafHashes(_ context.Context, begin, end uint64) ([][]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out [][]byte
	for i := begin; i < end && i < uint64(len(m.rows.Leaves)); i++ {
		if h := m.rows.Leaves[i].Hash; h != nil {
			out = append(out, slices.Clone(h))
		}
	}
	return out, nil
}

// Tile implements Reader.
func (m *MemStore) Tile(_ context.Context, level, index uint64) ([]byte, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return slices.Clone(m.rows.Tiles[[2]uint64{level, index}]), nil
}

// Checkpoints implements Reader.
func (m *MemStore) Checkpoints(_ context.Context, from uint64, limit int) ([]StoredCheckpoint, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	i, _ := slices.BinarySearchFunc(m.rows.Checkpoints, from, func(c StoredCheckpoint, s uint64) int {
		return cmp.Compare(c.Size, s)
	})
	var out []StoredCheckpoint
	for ; i < len(m.rows.Checkpoints) && len(out) < limit; i++ {
		out = append(out, StoredCheckpoint{Size: m.rows.Checkpoints[i].Size, Note: slices.Clone(m.rows.Checkpoints[i].Note)})
	}
	return out, nil
}

// LatestCheckpoint implements Reader.
func (m *MemStore) LatestCheckpoint(context.Context) (StoredCheckpoint, bool, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if len(m.rows.Checkpoints) == 0 {
		return StoredCheckpoint{}, false, nil
	}
	c := m.rows.Checkpoints[len(m.rows.Checkpoints)-1]
	return StoredCheckpoint{Size: c.Size, Note: slices.Clone(c.Note)}, true, nil
}

// AddLeaves implements Store.
func (m *MemStore) AddLeaves(_ context.Context, leaves []StoredLeaf, tiles []Tile, head Head) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	first := uint64(len(m.rows.Leaves))
	if len(leaves) > 0 && leaves[0].Index != first {
		return muster.Errorf(muster.Conflict, "leaf %d is taken: the log has %d leaves", leaves[0].Index, first)
	}
	for i, l := range leaves {
		if l.Index != first+uint64(i) || len(l.Hash) != HashSize {
			return muster.Errorf(muster.Invalid, "leaf %d of the batch has index %d or a bad hash", i, l.Index)
		}
	}
	if head.Size != first+uint64(len(leaves)) {
		return muster.Errorf(muster.Invalid, "new head has size %d after %d leaves", head.Size, first+uint64(len(leaves)))
	}
	for _, l := range leaves {
		m.rows.Leaves = append(m.rows.Leaves, StoredLeaf{Index: l.Index, Hash: slices.Clone(l.Hash), Data: slices.Clone(l.Data)})
	}
	for _, t := range tiles {
		m.rows.Tiles[[2]uint64{t.Level, t.Index}] = slices.Clone(t.Hashes)
	}
	m.rows.Head = Head{Size: head.Size, Hashes: slices.Clone(head.Hashes)}
	return nil
}

// PutCheckpoint implements Store.
func (m *MemStore) PutCheckpoint(_ context.Context, cp StoredCheckpoint) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	i, found := slices.BinarySearchFunc(m.rows.Checkpoints, cp.Size, func(c StoredCheckpoint, s uint64) int {
		return cmp.Compare(c.Size, s)
	})
	if found {
		return muster.Errorf(muster.Conflict, "a checkpoint of size %d is stored", cp.Size)
	}
	m.rows.Checkpoints = slices.Insert(m.rows.Checkpoints, i, StoredCheckpoint{Size: cp.Size, Note: slices.Clone(cp.Note)})
	return nil
}

// Tamper lets a test change the stored rows directly, as someone with
// database access could, to check that Audit notices.
func (m *MemStore) Tamper(f func(rows *MemRows)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f(&m.rows)
}
