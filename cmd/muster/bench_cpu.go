package main

import (
	"bytes"
	"fmt"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
)

// cpuAccount is where the machine's time went during one phase of a
// benchmark: this process's CPU and its garbage collector's part of it,
// and the whole machine's, which also counts a database server on the
// same host. Issuing is bound by the cores it shares with the database,
// so these figures, not the wall time alone, say which change saved work.
type cpuAccount struct {
	process float64 // seconds of CPU of this process (user and system), from /proc/self/stat
	gc      float64 // of which garbage collection, from runtime/metrics
	busy    float64 // seconds of CPU of the whole machine, from /proc/stat
	cores   float64 // seconds the machine's cores were there to use (busy and idle)
}

type cpuReading struct {
	gc                   []metrics.Sample
	process, busy, cores float64
}

func readCPU() cpuReading {
	r := cpuReading{gc: []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}}}
	metrics.Read(r.gc)
	r.process = processCPU().Seconds()
	if data, err := os.ReadFile("/proc/stat"); err == nil {
		r.busy, r.cores = parseProcStat(data)
	}
	return r
}

// since is the account of the time from r to now. Where /proc cannot be
// read (not Linux), only the collector's share is known.
func (r cpuReading) since() cpuAccount {
	now := readCPU()
	var a cpuAccount
	if now.gc[0].Value.Kind() == metrics.KindFloat64 && r.gc[0].Value.Kind() == metrics.KindFloat64 {
		a.gc = now.gc[0].Value.Float64() - r.gc[0].Value.Float64()
	}
	a.process = now.process - r.process
	a.busy, a.cores = now.busy-r.busy, now.cores-r.cores
	return a
}

// perOrder describes the account for a phase that handled n orders, in
// microseconds of CPU per order.
func (a cpuAccount) perOrder(n int) string {
	us := func(s float64) float64 { return s * 1e6 / float64(n) }
	if a.cores <= 0 {
		return fmt.Sprintf("garbage collection %.1f µs of CPU per order", us(a.gc))
	}
	return fmt.Sprintf("%.1f µs of CPU per order on the whole machine, cores busy %.0f %%; muster %.1f (garbage collection %.1f), other processes %.1f",
		us(a.busy), 100*a.busy/a.cores, us(a.process), us(a.gc), us(max(0, a.busy-a.process)))
}

// USER_HZ, the unit of /proc's CPU times: fixed at 100 on Linux.
const clockTicks = 100

// parseProcStat reads the first line of /proc/stat's text, the sum over
// every core, as busy and total seconds; zeros for text of another shape.
// Steal time counts as neither: it is the host's, not this machine's.
func parseProcStat(data []byte) (busy, total float64) {
	line, _, _ := bytes.Cut(data, []byte("\n"))
	fields := strings.Fields(string(line))
	if len(fields) < 8 || fields[0] != "cpu" {
		return 0, 0
	}
	// user nice system idle iowait irq softirq [steal ...]
	var ticks [7]float64
	for i := range ticks {
		v, err := strconv.ParseFloat(fields[1+i], 64)
		if err != nil {
			return 0, 0
		}
		ticks[i] = v
	}
	busyTicks := ticks[0] + ticks[1] + ticks[2] + ticks[5] + ticks[6]
	return busyTicks / clockTicks, (busyTicks + ticks[3] + ticks[4]) / clockTicks
}

// parseProcessStat reads a process's user and system seconds from the
// text of /proc/PID/stat; 0 for text of another shape. The command name,
// the second field, is in parentheses and may hold spaces, so fields are
// counted from the last ')'.
func parseProcessStat(data []byte) float64 {
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return 0
	}
	// After the name: state (3), ... utime (14), stime (15).
	fields := strings.Fields(string(data[i+1:]))
	if len(fields) < 13 {
		return 0
	}
	utime, err1 := strconv.ParseFloat(fields[11], 64)
	stime, err2 := strconv.ParseFloat(fields[12], 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return (utime + stime) / clockTicks
}
