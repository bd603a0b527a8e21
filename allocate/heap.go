package allocate

// item is a heap entry: a node at a reduced distance, or a need's next
// unrelaxed arc or next ring of candidates at a lower bound.
type item struct {
	key  float64
	node int32
	what entryKind
}

type entryKind int32

const (
	nodeEntry entryKind = iota
	scanEntry
	fetchEntry
	terminalEntry
)

// itemHeap is a 4-ary min-heap: shallower than a binary one, and a
// node's children share a cache line or two.
type itemHeap []item

func (h itemHeap) less(i, j int) bool {
	a, b := h[i], h[j]
	if a.key != b.key {
		return a.key < b.key
	}
	if a.node != b.node {
		return a.node < b.node
	}
	return a.what < b.what
}

func (h *itemHeap) push(it item) {
	*h = append(*h, it)
	q := *h
	for i := len(q) - 1; i > 0; {
		up := (i - 1) / 4
		if !q.less(i, up) {
			break
		}
		q[i], q[up] = q[up], q[i]
		i = up
	}
}

func (h *itemHeap) pop() item {
	q := *h
	top := q[0]
	last := len(q) - 1
	q[0] = q[last]
	q = q[:last]
	for i := 0; ; {
		small := i
		for c := 4*i + 1; c <= 4*i+4 && c < len(q); c++ {
			if q.less(c, small) {
				small = c
			}
		}
		if small == i {
			break
		}
		q[i], q[small] = q[small], q[i]
		i = small
	}
	*h = q
	return top
}

// needQueue is a binary min-heap of needs by key; ties go to input order.
type needQueue []struct {
	key  float64
	need int32
}

func (q needQueue) less(i, j int) bool {
	return q[i].key < q[j].key || q[i].key == q[j].key && q[i].need < q[j].need
}

func (q *needQueue) push(key float64, n int32) {
	*q = append(*q, struct {
		key  float64
		need int32
	}{key, n})
	h := *q
	for i := len(h) - 1; i > 0; {
		up := (i - 1) / 2
		if !h.less(i, up) {
			break
		}
		h[i], h[up] = h[up], h[i]
		i = up
	}
}

func (q *needQueue) pop() (float64, int32) {
	h := *q
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	for i := 0; ; {
		l, small := 2*i+1, i
		if l < len(h) && h.less(l, small) {
			small = l
		}
		if l+1 < len(h) && h.less(l+1, small) {
			small = l + 1
		}
		if small == i {
			break
		}
		h[i], h[small] = h[small], h[i]
		i = small
	}
	*q = h
	return top.key, top.need
}
