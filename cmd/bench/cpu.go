package main

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// cpuUse is the CPU time each process spent per request of a run, in milliseconds.
type cpuUse struct {
	Portal      float64 `json:"portal"`
	Meilisearch float64 `json:"meilisearch"`
	Client      float64 `json:"client"`
}

// cpuClock reads the CPU time used by the portal, Meilisearch, the benchmark itself and
// the whole machine.
type cpuClock struct {
	portal, meili, self int // process ids; 0 for none
}

// cpuReading is a reading of a cpuClock, with the wall time it was taken at.
type cpuReading struct {
	at   time.Time
	used [4]time.Duration // portal, Meilisearch, benchmark, machine
}

func (c cpuClock) read() cpuReading {
	return cpuReading{at: time.Now(), used: [4]time.Duration{cpuTime(c.portal), cpuTime(c.meili), cpuTime(c.self), machineBusy()}}
}

// cpuSpent is the CPU time used between readings, and the wall time between them.
type cpuSpent struct {
	wall time.Duration
	used [4]time.Duration // portal, Meilisearch, benchmark, machine
}

// to is the CPU time spent from reading r to reading later.
func (r cpuReading) to(later cpuReading) cpuSpent {
	s := cpuSpent{wall: later.at.Sub(r.at)}
	for i := range s.used {
		s.used[i] = later.used[i] - r.used[i]
	}
	return s
}

// plus adds two spans of time, as if one followed the other.
func (s cpuSpent) plus(o cpuSpent) cpuSpent {
	s.wall += o.wall
	for i := range s.used {
		s.used[i] += o.used[i]
	}
	return s
}

// perRequest divides the time spent by n requests.
func (s cpuSpent) perRequest(n int) cpuUse {
	if n == 0 {
		return cpuUse{}
	}
	each := func(i int) float64 { return ms(s.used[i]) / float64(n) }
	return cpuUse{Portal: each(0), Meilisearch: each(1), Client: each(2)}
}

// otherCPUs is how many processors programs other than the three kept busy on average.
func (s cpuSpent) otherCPUs() float64 {
	if s.wall <= 0 || s.used[3] == 0 {
		return 0
	}
	return max(0, (s.used[3]-s.used[0]-s.used[1]-s.used[2]).Seconds()/s.wall.Seconds())
}

// cpuTime is the CPU time (user and system) a process has used so far, from
// /proc/<pid>/stat; 0 where there is no /proc, or for pid 0 (no process).
func cpuTime(pid int) time.Duration {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command name (field 2) may hold spaces: count the fields after its ')'.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 || i+2 > len(b) {
		return 0
	}
	fields := strings.Fields(string(b[i+2:]))
	if len(fields) < 13 {
		return 0
	}
	// utime and stime are fields 14 and 15, in ticks of 1/100 s (USER_HZ on Linux).
	user, _ := strconv.ParseInt(fields[11], 10, 64)
	system, _ := strconv.ParseInt(fields[12], 10, 64)
	return time.Duration(user+system) * 10 * time.Millisecond
}

// machineBusy is the CPU time all processors of the machine have spent busy so far, from
// /proc/stat; 0 where there is no /proc.
func machineBusy() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	fields := strings.Fields(line) // cpu user nice system idle iowait irq softirq steal …
	if len(fields) < 9 || fields[0] != "cpu" {
		return 0
	}
	var busy int64
	for i, f := range fields[1:9] {
		if i == 3 || i == 4 { // idle, iowait
			continue
		}
		n, _ := strconv.ParseInt(f, 10, 64)
		busy += n
	}
	return time.Duration(busy) * 10 * time.Millisecond
}
