package main

// Crash tests: muster is killed with SIGKILL at random moments of bulk
// work (issuing orders, recording contributions) and run again, as an
// operator would after a power cut. Nothing may be lost or done twice,
// and the transparency log and the ledger must check afterwards.
//
//	MUSTER_CRASH_SEED=N    repeat a run (the seed is printed)
//	MUSTER_CRASH_KILLS=N   kill N times per test and database (default 20)
//	MUSTER_CRASH_LONG=1    5 times the work and 200 kills, for a long run

import (
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/muster-org/muster/tlog"
)

// crashRun is what one crash test does: its seeded random source, how
// many kills it must land and how much work each chunk holds.
type crashRun struct {
	t     *testing.T
	e     *env
	rng   *rand.Rand
	kills int
	// chunk is the work to begin with, orders or contributions, and
	// refill what is added whenever a run finished it all.
	chunk, refill int
	// maxDelay bounds the random delay before a kill. It adapts: longer
	// when a killed run had committed nothing, shorter when runs finish
	// first, so that kills land before, inside and between transactions.
	maxDelay time.Duration
	// killed and completed count the children: killed while working, or
	// done before the kill came; progressed counts the killed ones that
	// had committed some of their work.
	killed, completed, progressed int
}

func newCrashRun(t *testing.T, e *env, chunk, refill int) *crashRun {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("MUSTER_CRASH_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("MUSTER_CRASH_SEED=%q: %v", s, err)
		}
	}
	kills := 20
	if os.Getenv("MUSTER_CRASH_LONG") != "" {
		kills, chunk, refill = 200, 5*chunk, 5*refill
	}
	if s := os.Getenv("MUSTER_CRASH_KILLS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("MUSTER_CRASH_KILLS=%q: want a positive number", s)
		}
		kills = n
	}
	t.Logf("seed %d (MUSTER_CRASH_SEED=%d repeats this run), %d kills", seed, seed, kills)
	return &crashRun{t: t, e: e, rng: rand.New(rand.NewPCG(seed, 0x6d7573746572)), kills: kills, chunk: chunk, refill: refill, maxDelay: time.Second}
}

// kill starts muster with args, kills it after a random delay, and
// reports whether it was still working then. A child that finishes first
// must have succeeded. done counts the work committed so far.
func (c *crashRun) kill(done func() int, args ...string) bool {
	c.t.Helper()
	global := c.e.args()
	if c.e.postgres() {
		// Named, so that the server's end of a killed run can be waited for.
		global = []string{"--data-dir", c.e.dataDir, "--db", c.e.dsn + "&application_name=" + c.session()}
	}
	cmd := exec.Command(musterBin, append(global, args...)...)
	cmd.Env = cleanEnv(c.e.extra...)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	before := done()
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	delay := time.Duration(c.rng.Int64N(int64(c.maxDelay)))
	select {
	case err := <-exited:
		if err != nil {
			c.t.Fatalf("muster %s, run after %d kills, failed: %v\n%s", strings.Join(args, " "), c.killed, err, out.String())
		}
		c.completed++
		c.maxDelay = max(c.maxDelay*2/3, 100*time.Millisecond)
		return false
	case <-time.After(delay):
	}
	cmd.Process.Signal(syscall.SIGKILL)
	err := <-exited
	c.waitForServer()
	if err == nil {
		c.completed++ // it finished just before the signal
		return false
	}
	c.killed++
	if done() > before {
		c.progressed++
	} else {
		c.maxDelay = min(c.maxDelay*3/2, 5*time.Second)
	}
	return true
}

// session names the PostgreSQL sessions of this run's children.
func (c *crashRun) session() string {
	u, err := url.Parse(c.e.dsn)
	if err != nil {
		c.t.Fatal(err)
	}
	return "muster-crash-" + u.Query().Get("search_path")
}

// waitForServer waits until PostgreSQL is done with a killed child: the
// server finishes the statement under way, and commits a transaction
// whose COMMIT it had received, after the client is gone. The test's
// checks, and the next run, must see that end state, as an operator
// restarting muster would.
func (c *crashRun) waitForServer() {
	if !c.e.postgres() {
		return // SQLite works inside the process: the kill ends it
	}
	db := c.e.sqlDB()
	defer db.Close()
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = $1`, c.session()).Scan(&n); err != nil {
			c.t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("PostgreSQL still has %d sessions of a killed muster after a minute", n)
		}
	}
}

// summary is the log line of a finished run.
func (c *crashRun) summary(what string, start time.Time) {
	c.t.Logf("%s: %d kills (%d after some of their work was committed), %d runs done before their kill; %s, in %s",
		backend(c.e), c.killed, c.progressed, c.completed, what, time.Since(start).Round(time.Second))
}

// count returns a function counting the rows of a query, for kill.
func (c *crashRun) count(q string) func() int {
	return func() int {
		db := c.e.sqlDB()
		defer db.Close()
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			c.t.Fatalf("%s: %v", q, err)
		}
		return n
	}
}

// TestCrashIssue kills `muster orders approve --all-drafts` while it
// signs, stores, logs and queues orders in batches, then checks that every
// draft was issued exactly once, with its log leaf and one notification.
func TestCrashIssue(t *testing.T) {
	if testing.Short() {
		t.Skip("kills muster 20 times per database; not in -short")
	}
	t.Parallel()
	onBackends(t, func(t *testing.T, e *env) {
		start := time.Now()
		c := newCrashRun(t, e, 8000, 1000)
		runDemo(e, "--persons", "200", "--orders", "0")
		e.mustRun(0, "authority", "add", "--code", authorityCode, "--name", "Mobilisation de Dosso", "--area", "NE.DS")
		dir := t.TempDir()
		persons, orders := filepath.Join(dir, "persons.csv"), filepath.Join(dir, "orders.csv")
		writeCrashCSV(t, persons, []string{"national_id", "given_name", "family_name", "sex", "birth_date", "area", "status"}, c.chunk,
			func(i int) []string {
				return []string{crashPerson(i), "Amadou", "Kollo", "M", fmt.Sprintf("19%02d-0%d-1%d", 70+i%30, 1+i%9, i%10), "NE.DS", "reservist"}
			})
		e.mustRun(0, "import", "persons", persons)
		deadline := time.Now().AddDate(0, 1, 0).UTC().Format("2006-01-02T15:04")
		drafted := 0
		draft := func(n int) { // n more drafts, to the first n persons
			writeCrashCSV(t, orders, []string{"kind", "addressee", "items", "place", "place_area", "deadline", "legal_basis", "authority", "reason"}, n,
				func(i int) []string {
					return []string{"call_up", "person:" + crashPerson(i), "driver:1", "Caserne de Dosso", "NE.DS", deadline, "Loi 2026-01, art. 4", authorityCode, "Renfort"}
				})
			e.mustRun(0, "orders", "draft", "--as", "officer", "--from", orders)
			drafted += n
		}
		draft(c.chunk)
		for c.killed < c.kills {
			if c.completed > 4*c.kills {
				t.Fatalf("%d runs finished before their kill and %d were killed: the work is too small for the delays", c.completed, c.killed)
			}
			batch := strconv.Itoa(100 + c.rng.IntN(900))
			if !c.kill(c.count(`SELECT COUNT(*) FROM orders WHERE state = 'issued'`), "orders", "approve", "--as", "approver", "--all-drafts", "--batch-size", batch) {
				draft(c.refill) // it issued every draft: give the next one work
			}
			checkIssueInvariants(t, e, drafted, false)
		}
		r := e.mustRun(0, "orders", "approve", "--as", "approver", "--all-drafts")
		t.Logf("after the kills: %s", lastLine(r.stdout))
		checkIssueInvariants(t, e, drafted, true)
		e.mustRun(0, "log", "verify")
		e.mustRun(0, "ledger", "check")
		c.summary(fmt.Sprintf("%d orders issued exactly once", drafted), start)
	})
}

func crashPerson(i int) string { return fmt.Sprintf("CR%07d", i) }

// writeCrashCSV writes a CSV file of a header and n rows.
func writeCrashCSV(t *testing.T, path string, header []string, n int, row func(int) []string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write(header)
	for i := range n {
		w.Write(row(i))
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func backend(e *env) string {
	if e.postgres() {
		return "PostgreSQL"
	}
	return "SQLite"
}

// checkIssueInvariants checks what must hold whenever no muster runs:
// an order is a draft or issued, never approved without its issue (they
// share a transaction); every issued order has one approve and one issue
// event and one notification queued; when final, every draft is issued,
// each issue event's log leaf names its order, and the codes are unique.
func checkIssueInvariants(t *testing.T, e *env, drafted int, final bool) {
	t.Helper()
	db := e.sqlDB()
	defer db.Close()
	count := func(q string) int {
		var n int
		if err := db.QueryRow(q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	total, issued := count(`SELECT COUNT(*) FROM orders`), count(`SELECT COUNT(*) FROM orders WHERE state = 'issued'`)
	if drafts := count(`SELECT COUNT(*) FROM orders WHERE state = 'draft'`); total != drafted || issued+drafts != total {
		t.Fatalf("%d orders (%d issued, %d drafts), want %d, each a draft or issued", total, issued, drafts, drafted)
	}
	for what, q := range map[string]string{
		"approve events": `SELECT COUNT(*) FROM order_events WHERE event = 'approve'`,
		"issue events":   `SELECT COUNT(*) FROM order_events WHERE event = 'issue'`,
		"notifications":  `SELECT COUNT(*) FROM outbox WHERE topic = 'order.issued'`,
		"orders notified once": `SELECT COUNT(*) FROM (SELECT order_id FROM outbox WHERE topic = 'order.issued'
			GROUP BY order_id HAVING COUNT(*) = 1) AS once`,
		"signed orders": `SELECT COUNT(*) FROM orders WHERE state = 'issued' AND signed IS NOT NULL AND signed <> ''`,
	} {
		if n := count(q); n != issued {
			t.Fatalf("%d %s for %d issued orders", n, what, issued)
		}
	}
	if n := count(`SELECT COUNT(DISTINCT code) FROM orders`); n != total {
		t.Fatalf("%d distinct codes for %d orders", n, total)
	}
	// A row of log_bundles holds 256 leaves, k*256 to k*256+255.
	leaves := count(`SELECT COUNT(*) FROM log_leaves`) + 256*count(`SELECT COUNT(*) FROM log_bundles`)
	last := max(count(`SELECT COALESCE(MAX(idx), -1) FROM log_leaves`), 256*count(`SELECT COALESCE(MAX(idx), -1) FROM log_bundles`)+255)
	if last != leaves-1 {
		t.Fatalf("%d log leaves up to index %d: a gap", leaves, last)
	}
	if !final {
		return
	}
	if issued != drafted {
		t.Fatalf("%d of %d drafts issued after the final run", issued, drafted)
	}
	// Each issue event's leaf, and the index signed into the order, name it.
	logLeaf := e.logLeaves()
	rows, err := db.Query(`SELECT o.id, o.log_index, e.log_index FROM orders o
		JOIN order_events e ON e.order_id = o.id AND e.event = 'issue'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var id string
		var signedIndex, eventIndex int64
		if err := rows.Scan(&id, &signedIndex, &eventIndex); err != nil {
			t.Fatal(err)
		}
		leaf, err := tlog.ParseLeaf(logLeaf(uint64(eventIndex)))
		if err != nil || leaf.Kind != "order.event" || leaf.Subject != id || leaf.Event != "issue" || signedIndex != eventIndex {
			t.Fatalf("order %s, signed log index %d: issue event at %d has leaf %+v (%v)", id, signedIndex, eventIndex, leaf, err)
		}
		n++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n != issued {
		t.Fatalf("%d issue events with their leaf for %d issued orders", n, issued)
	}
}

// TestCrashLedger kills `muster fund import` while it records
// contributions, each a ledger transfer with its log leaf in one
// transaction, and runs the same file again: every contribution must be
// recorded exactly once, and the ledger and the log must check.
func TestCrashLedger(t *testing.T) {
	if testing.Short() {
		t.Skip("kills muster 20 times per database; not in -short")
	}
	t.Parallel()
	onBackends(t, func(t *testing.T, e *env) {
		start := time.Now()
		c := newCrashRun(t, e, 800, 200)
		runDemo(e, "--persons", "200", "--orders", "0")
		file := filepath.Join(t.TempDir(), "receipts.csv")
		channels := []string{"cash", "bank", "mobile_money"}
		rows, sum := 0, int64(0)
		var amounts []int64
		grow := func(n int) { // the file gets n more receipts
			for range n {
				amounts = append(amounts, 1000+c.rng.Int64N(1_000_000))
				sum += amounts[len(amounts)-1]
			}
			rows += n
			writeCrashCSV(t, file, []string{"id", "channel", "amount", "contributor"}, rows, func(i int) []string {
				name := ""
				if i%50 == 0 {
					name = fmt.Sprintf("Coopérative n° %d", i)
				}
				return []string{fmt.Sprintf("REC-%07d", i), channels[i%3], strconv.FormatInt(amounts[i], 10), name}
			})
		}
		grow(c.chunk)
		for c.killed < c.kills {
			if c.completed > 4*c.kills {
				t.Fatalf("%d runs finished before their kill and %d were killed: the work is too small for the delays", c.completed, c.killed)
			}
			if !c.kill(c.count(`SELECT COUNT(*) FROM ledger_transfers WHERE id LIKE 'ctb:REC-%'`), "fund", "import", "--as", "treasurer", file) {
				grow(c.refill)
			}
			checkLedgerInvariants(t, e, rows, sum, false)
		}
		r := e.mustRun(0, "fund", "import", "--as", "treasurer", file)
		t.Logf("after the kills: %s", lastLine(r.stdout))
		checkLedgerInvariants(t, e, rows, sum, true)
		e.mustRun(0, "ledger", "check")
		e.mustRun(0, "log", "verify")
		c.summary(fmt.Sprintf("%d contributions recorded exactly once", rows), start)
	})
}

// checkLedgerInvariants checks that every receipt recorded is recorded
// once, with its contributor row and its log leaf, and, when final, that
// all of them are, for the right total.
func checkLedgerInvariants(t *testing.T, e *env, rows int, sum int64, final bool) {
	t.Helper()
	db := e.sqlDB()
	defer db.Close()
	var transfers, contributions, leaves int
	var total int64
	if err := db.QueryRow(`SELECT COUNT(*), COALESCE(SUM(amount), 0) FROM ledger_transfers WHERE id LIKE 'ctb:REC-%'`).Scan(&transfers, &total); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT COUNT(*) FROM fund_contributions WHERE transfer_id LIKE 'ctb:REC-%'`).Scan(&contributions); err != nil {
		t.Fatal(err)
	}
	if transfers != contributions || transfers > rows {
		t.Fatalf("%d transfers and %d contribution rows for %d receipts", transfers, contributions, rows)
	}
	logLeaf := e.logLeaves()
	rs, err := db.Query(`SELECT id, log_index FROM ledger_transfers WHERE id LIKE 'ctb:REC-%'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	for rs.Next() {
		var id string
		var index uint64
		if err := rs.Scan(&id, &index); err != nil {
			t.Fatal(err)
		}
		if leaf, err := tlog.ParseLeaf(logLeaf(index)); err != nil || leaf.Kind != "ledger.transfer" || leaf.Subject != id {
			t.Fatalf("transfer %s has leaf %+v (%v)", id, leaf, err)
		}
		leaves++
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	if leaves != transfers {
		t.Fatalf("%d of %d transfers have their log leaf", leaves, transfers)
	}
	if final && (transfers != rows || total != sum) {
		t.Fatalf("%d receipts of %d recorded, %d XOF of %d", transfers, rows, total, sum)
	}
}
