## Helpers shared by the benchmark scripts (bench/http_bench.gd, bench/https_bench.gd):
## CPU time from /proc, medians and table formatting.
extends RefCounted


## CPU nanoseconds of every thread of process `pid`, by thread id, from
## /proc/<pid>/task/*/schedstat. For this process, sleep 1 µs first: the running thread's count
## is otherwise up to one scheduler tick stale.
static func cpu_by_thread(pid: int) -> Dictionary:
	if pid == OS.get_process_id():
		OS.delay_usec(1)
	var by_tid := {}
	var dir := "/proc/%d/task" % pid
	for tid in DirAccess.get_directories_at(dir):
		var f := FileAccess.open("%s/%s/schedstat" % [dir, tid], FileAccess.READ)
		if f == null:
			continue  # the thread just ended
		by_tid[tid] = int(f.get_line().get_slice(" ", 0))
	return by_tid


## CPU seconds between two snapshots. Threads that ended in between are left out, threads that
## started count from zero; the connection threads of the server start after `before`.
static func cpu_delta(before: Dictionary, after: Dictionary) -> float:
	var ns := 0
	for tid in after:
		ns += after[tid] - before.get(tid, 0)
	return ns / 1e9


static func column(reps: Array, key: String) -> Array:
	return reps.map(func(rep): return rep[key])


static func median(values: Array) -> float:
	if values.is_empty():
		return 0.0
	var v := values.duplicate()
	v.sort()
	var n := v.size()
	return v[n / 2] if n % 2 == 1 else (v[n / 2 - 1] + v[n / 2]) / 2.0


static func fmt(x: float) -> String:
	return "%.0f" % x if x >= 100 else "%.1f" % x


static func fmt_cpu(x: float) -> String:
	return "–" if x < 0 else "%.3f" % x


static func label(cls: String) -> String:
	return "built-in" if cls == "builtin" else "RustNet"
