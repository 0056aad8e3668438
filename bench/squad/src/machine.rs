//! What the figures were measured on: cores, CPU model and memory, from /proc.

use std::fmt;

/// The machine running the benchmark (and the bot, fakecord and the databases with it).
pub struct Machine {
    cores: usize,
    cpu: String,
    memory_gib: Option<f64>,
    kernel: String,
}

impl Machine {
    /// Reads /proc; anything unreadable shows as "unknown".
    #[must_use]
    pub fn describe() -> Self {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|line| line.strip_prefix("model name")?.split_once(':'))
            .map_or_else(|| "unknown CPU".to_owned(), |(_, v)| v.trim().to_owned());
        let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let memory_gib = meminfo
            .lines()
            .find_map(|line| line.strip_prefix("MemTotal:"))
            .and_then(|rest| {
                rest.trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u32>()
                    .ok()
            })
            .map(|kib| f64::from(kib) / 1024.0 / 1024.0);
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map_or_else(|_| "unknown".to_owned(), |s| s.trim().to_owned());
        Self {
            cores: std::thread::available_parallelism().map_or(0, std::num::NonZero::get),
            cpu,
            memory_gib,
            kernel,
        }
    }
}

impl fmt::Display for Machine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} cores (nproc), {}", self.cores, self.cpu)?;
        if let Some(gib) = self.memory_gib {
            write!(f, ", {gib:.1} GiB RAM")?;
        }
        write!(f, ", Linux {}", self.kernel)
    }
}
