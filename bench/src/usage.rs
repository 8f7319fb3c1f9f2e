//! What the process has used so far: CPU time and peak resident memory.

use std::time::Duration;

/// CPU time (user + system) of this process since it started.
pub fn cpu_time() -> Duration {
    let usage = rusage();
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1_000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

/// Peak resident set size of this process, in bytes.
pub fn peak_rss_bytes() -> u64 {
    // Linux reports ru_maxrss in KiB.
    rusage().ru_maxrss as u64 * 1024
}

fn rusage() -> libc::rusage {
    // SAFETY: getrusage only writes the struct we pass; all-zero is a
    // valid `rusage`.
    unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    }
}
