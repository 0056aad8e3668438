//! CPU time and memory read from /proc: of one process (`/proc/<pid>/stat` and `status`) and of
//! the whole machine (`/proc/stat`), so a run can say which process used the cores.

/// Clock ticks per second of `utime`/`stime` and `/proc/stat`: `USER_HZ`, 100 on every Linux
/// architecture the bench runs on (the kernel fixes it for user space).
const TICKS_PER_SECOND: f64 = 100.0;

/// One process at one moment.
#[derive(Clone, Copy, Debug, Default)]
pub struct ProcessSample {
    /// User plus system CPU time so far, in seconds.
    pub cpu_seconds: f64,
    /// Resident set size now (`VmRSS`), in KiB.
    pub rss_kib: u64,
    /// Peak resident set size so far (`VmHWM`), in KiB.
    pub peak_rss_kib: u64,
}

impl ProcessSample {
    /// Reads `/proc/<pid>`; `None` once the process is gone.
    #[must_use]
    pub fn read(pid: u32) -> Option<Self> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        Some(Self {
            cpu_seconds: cpu_seconds(&stat)?,
            rss_kib: kib_field(&status, "VmRSS:").unwrap_or(0),
            peak_rss_kib: kib_field(&status, "VmHWM:").unwrap_or(0),
        })
    }
}

/// `utime + stime` of a `/proc/<pid>/stat` line, in seconds. The command name (field 2) may hold
/// spaces, so fields are counted from the closing parenthesis.
fn cpu_seconds(stat: &str) -> Option<f64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Field 3 (state) is fields[0]; utime is field 14, stime field 15.
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    #[expect(
        clippy::cast_precision_loss,
        reason = "tick counts of one run are far below 2^52"
    )]
    Some((utime + stime) as f64 / TICKS_PER_SECOND)
}

/// A `Name:   1234 kB` line of `/proc/<pid>/status`.
fn kib_field(status: &str, name: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

/// The whole machine's CPU time at one moment, from the `cpu` line of `/proc/stat`.
#[derive(Clone, Copy, Debug, Default)]
pub struct MachineCpu {
    /// Seconds spent busy (everything but idle and iowait), summed over the cores.
    pub busy_seconds: f64,
    /// Seconds in all, summed over the cores.
    pub total_seconds: f64,
}

impl MachineCpu {
    /// Reads `/proc/stat`; zeros when unreadable.
    #[must_use]
    pub fn read() -> Self {
        let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
        let ticks: Vec<u64> = stat
            .lines()
            .find_map(|line| line.strip_prefix("cpu "))
            .map(|rest| {
                rest.split_whitespace()
                    .filter_map(|t| t.parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        // user nice system idle iowait irq softirq steal (guest time is already in user).
        let total: u64 = ticks.iter().take(8).sum();
        let idle = ticks.get(3).copied().unwrap_or(0) + ticks.get(4).copied().unwrap_or(0);
        #[expect(clippy::cast_precision_loss, reason = "tick counts are far below 2^52")]
        Self {
            busy_seconds: total.saturating_sub(idle) as f64 / TICKS_PER_SECOND,
            total_seconds: total as f64 / TICKS_PER_SECOND,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_time_is_counted_after_a_command_name_with_spaces() {
        let stat = "4242 (tokio (worker) 1) S 1 2 3 4 5 6 7 8 9 10 250 50 0 0 20 0 8 0";
        let seconds = cpu_seconds(stat).expect("a well-formed line");
        assert!((seconds - 3.0).abs() < 1e-9, "{seconds}");
    }

    #[test]
    fn memory_fields_are_read_in_kib() {
        let status = "Name:\ttrakker\nVmHWM:\t   51234 kB\nVmRSS:\t   40000 kB\n";
        assert_eq!(kib_field(status, "VmHWM:"), Some(51_234));
        assert_eq!(kib_field(status, "VmRSS:"), Some(40_000));
        assert_eq!(kib_field(status, "VmSwap:"), None);
    }
}
