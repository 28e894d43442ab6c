## Helpers shared by the benchmark scripts (bench/*_bench.gd):
## CPU time from /proc, medians, options and the results files.
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


## One row of a suite's results file (the `--json=PATH` every bench script writes), which
## bench/report.py turns into docs/benchmarks.md and the chart: the per-run values of both
## classes under `key`, in pair order (run i of each class forms pair i). `extra` adds optional
## per-run arrays: "builtin_load"/"rust_load" (cores the load generator used, its CPU seconds
## over the run's wall seconds) with "load_what" naming it, "builtin_cpu"/"rust_cpu" (cores the
## Godot process used).
static func row(id: String, title: String, unit: String, lower_is_better: bool, builtin_runs: Array, rust_runs: Array, key: String, extra := {}) -> Dictionary:
	var r := {
		"id": id,
		"title": title,
		"unit": unit,
		"lower_is_better": lower_is_better,
		"builtin": column(builtin_runs, key),
		"rust": column(rust_runs, key),
	}
	r.merge(extra)
	return r


## Cores a process used in each run: `cpu_key` seconds over `wall_key` seconds.
static func shares(runs: Array, cpu_key: String, wall_key := "seconds") -> Array:
	return runs.map(func(run): return run[cpu_key] / run[wall_key] if run[wall_key] > 0 and run[cpu_key] >= 0 else -1.0)


## Writes `{"suite": suite, "rows": rows}` to `path`. Returns "" or what went wrong.
static func write_results(path: String, suite: String, rows: Array) -> String:
	var f := FileAccess.open(path, FileAccess.WRITE)
	if f == null:
		return "can't write %s (error %d)" % [path, FileAccess.get_open_error()]
	f.store_string(JSON.stringify({"suite": suite, "rows": rows}, "\t") + "\n")
	f.close()
	return ""


## The `--name=value` arguments after `--`, as a dictionary. Others are reported and ignored.
static func parse_options(script_name: String) -> Dictionary:
	var opts := {}
	for arg in OS.get_cmdline_user_args():
		if arg.begins_with("--") and "=" in arg:
			var kv := arg.substr(2).split("=", true, 1)
			opts[kv[0]] = kv[1]
		else:
			printerr("%s: ignoring argument '%s'" % [script_name, arg])
	return opts
