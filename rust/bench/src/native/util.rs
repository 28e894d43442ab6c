//! What every subcommand shares: `--name=value` arguments, CPU time, timed runs and the one
//! JSON line of results.

use std::collections::HashMap;
use std::time::Instant;

/// `--name=value` (or a bare `--flag`) arguments.
pub struct Args(HashMap<String, String>);

impl Args {
    pub fn parse(argv: impl Iterator<Item = String>) -> Result<Self, String> {
        let mut map = HashMap::new();
        for a in argv {
            let Some(rest) = a.strip_prefix("--") else {
                return Err(format!("unexpected argument '{a}'"));
            };
            match rest.split_once('=') {
                Some((k, v)) => map.insert(k.to_string(), v.to_string()),
                None => map.insert(rest.to_string(), String::new()),
            };
        }
        Ok(Self(map))
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.contains_key(name)
    }

    pub fn str(&self, name: &str) -> Result<&str, String> {
        self.0
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| format!("--{name}=... is required"))
    }

    pub fn num(&self, name: &str, default: Option<u64>) -> Result<u64, String> {
        match (self.0.get(name), default) {
            (Some(v), _) => v
                .parse()
                .map_err(|_| format!("--{name} needs a number, got '{v}'")),
            (None, Some(d)) => Ok(d),
            (None, None) => Err(format!("--{name}=N is required")),
        }
    }

    pub fn runs(&self) -> Result<usize, String> {
        Ok(self.num("runs", Some(5))?.max(1) as usize)
    }
}

/// CPU seconds this process has used so far, all threads (user + system).
pub fn cpu_seconds() -> f64 {
    // SAFETY: getrusage only writes the struct we pass.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// One run's keys, in order.
pub type Run = Vec<(&'static str, f64)>;

/// Runs `work` once untimed (warm-up) and then `runs` times, adding `wall_s` and `cpu_s` to the
/// keys each timed call returns. `work` gets the wall seconds of its own timed part through the
/// returned keys' computation, so it measures what it reports itself; the outer clock is only
/// for `wall_s`/`cpu_s`.
pub fn timed_runs(
    runs: usize,
    mut work: impl FnMut() -> Result<Run, String>,
) -> Result<Vec<Run>, String> {
    work().map_err(|e| format!("warm-up: {e}"))?;
    let mut out = Vec::with_capacity(runs);
    for i in 0..runs {
        let cpu0 = cpu_seconds();
        let t0 = Instant::now();
        let mut run = work().map_err(|e| format!("run {}: {e}", i + 1))?;
        run.push(("wall_s", t0.elapsed().as_secs_f64()));
        run.push(("cpu_s", cpu_seconds() - cpu0));
        eprintln!("  run {}: {}", i + 1, describe(&run));
        out.push(run);
    }
    Ok(out)
}

fn describe(run: &Run) -> String {
    run.iter()
        .map(|(k, v)| format!("{k} {v:.3}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Prints `{"name": name, "runs": [...], extra...}` and writes it to `--out` if given.
pub fn report(args: &Args, name: &str, runs: &[Run], extra: &[(&str, f64)]) -> Result<(), String> {
    let runs_json: Vec<String> = runs
        .iter()
        .map(|run| {
            let fields: Vec<String> = run
                .iter()
                .map(|(k, v)| format!("\"{k}\":{}", num(*v)))
                .collect();
            format!("{{{}}}", fields.join(","))
        })
        .collect();
    let mut line = format!("{{\"name\":\"{name}\",\"runs\":[{}]", runs_json.join(","));
    for (k, v) in extra {
        line.push_str(&format!(",\"{k}\":{}", num(*v)));
    }
    line.push('}');
    println!("{line}");
    if let Ok(path) = args.str("out") {
        let tmp = format!("{path}.tmp");
        std::fs::write(&tmp, format!("{line}\n")).map_err(|e| format!("writing {tmp}: {e}"))?;
        std::fs::rename(&tmp, path).map_err(|e| format!("renaming {tmp}: {e}"))?;
    }
    Ok(())
}

fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v}")
    } else {
        "null".to_string()
    }
}

/// The median of `v` (sorted in place); 0 for none.
pub fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Raises the soft limit on open files to the hard limit (1,000 sockets and more).
pub fn raise_nofile() {
    // SAFETY: plain libc calls on a local struct.
    unsafe {
        let mut rl: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut rl) == 0 && rl.rlim_cur < rl.rlim_max {
            rl.rlim_cur = rl.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &rl);
        }
    }
}
