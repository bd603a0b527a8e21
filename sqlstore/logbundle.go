package sqlstore

import (
	"encoding/binary"

	"github.com/muster-org/muster/tlog"
)

// bundleSize is how many leaves a row of log_bundles holds: a tile's
// width, so that a bundle's hashes are the level-0 tile.
const bundleSize = tlog.TileWidth

// bundleLeaves splits leaves, which run without gaps, into the rows to
// store: each whole bundle (all bundleSize leaves of k*bundleSize ..
// k*bundleSize+bundleSize-1) as one log_bundles row (idx, hashes, data),
// and the leaves before the first and after the last whole bundle as
// log_leaves rows (idx, hash, data).
func bundleLeaves(leaves []tlog.StoredLeaf) (single, bundles [][]any) {
	for len(leaves) > 0 {
		first := leaves[0].Index
		if first%bundleSize != 0 || len(leaves) < bundleSize {
			n := len(leaves)
			if first%bundleSize != 0 {
				n = min(n, int(bundleSize-first%bundleSize))
			}
			for _, l := range leaves[:n] {
				single = append(single, []any{int64(l.Index), l.Hash, l.Data})
			}
			leaves = leaves[n:]
			continue
		}
		hashes, data := encodeBundle(leaves[:bundleSize])
		bundles = append(bundles, []any{int64(first / bundleSize), hashes, data})
		leaves = leaves[bundleSize:]
	}
	return single, bundles
}

// encodeBundle returns the hashes of leaves concatenated, and their data
// concatenated, each prefixed with its length as a uvarint.
func encodeBundle(leaves []tlog.StoredLeaf) (hashes, data []byte) {
	size := 0
	for _, l := range leaves {
		size += binary.MaxVarintLen32 + len(l.Data)
	}
	hashes, data = make([]byte, 0, len(leaves)*tlog.HashSize), make([]byte, 0, size)
	for _, l := range leaves {
		hashes = append(hashes, l.Hash...)
		data = binary.AppendUvarint(data, uint64(len(l.Data)))
		data = append(data, l.Data...)
	}
	return hashes, data
}

// decodeBundle returns the leaves of bundle k, without their data unless
// withData. It never fails: a row changed behind muster's back gives
// leaves whose hash or data is wrong or missing, which the audit names
// leaf by leaf. Bytes beyond the last leaf's hash or data are kept with
// it, so that they too make it wrong.
func decodeBundle(k uint64, hashes, data []byte, withData bool) []tlog.StoredLeaf {
	leaves := make([]tlog.StoredLeaf, bundleSize)
	for i := range leaves {
		l := &leaves[i]
		l.Index = k*bundleSize + uint64(i)
		if from := i * tlog.HashSize; from < len(hashes) {
			to := min(from+tlog.HashSize, len(hashes))
			if i == bundleSize-1 {
				to = len(hashes)
			}
			l.Hash = hashes[from:to:to]
		}
		if !withData {
			continue
		}
		n, w := binary.Uvarint(data)
		if w <= 0 || n > uint64(len(data)-w) {
			// The framing is broken from here on: this leaf gets the rest.
			l.Data, data = data, nil
			continue
		}
		l.Data, data = data[w:w+int(n):w+int(n)], data[w+int(n):]
		if i == bundleSize-1 && len(data) > 0 {
			l.Data = append(l.Data, data...)
		}
	}
	return leaves
}
