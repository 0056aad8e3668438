//! The `trakker` binary as an operator runs it: in a directory of the test's choosing (so no
//! `.env` of the checkout is read) with exactly the given environment.

use std::path::Path;
use std::process::{Command, Output};

/// The binary with `args`, run in `dir` with only `PATH` and `vars` set, not started yet.
pub fn command(dir: &Path, args: &[&str], vars: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_trakker"));
    command.args(args).current_dir(dir).env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    for (name, value) in vars {
        command.env(name, value);
    }
    command
}

/// Runs the binary (see [`command`]) to its end.
///
/// # Panics
/// When the binary cannot be started.
pub fn trakker(dir: &Path, args: &[&str], vars: &[(&str, &str)]) -> Output {
    command(dir, args, vars)
        .output()
        .expect("the trakker binary runs")
}

/// What the run printed, stdout then stderr.
pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
