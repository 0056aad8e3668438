//! The `fakecord` binary: its flags reach the server it runs.

use std::process::Stdio;

use fakecord::Fakecord;
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::Command;

use crate::support::WAIT;

fn fakecord_binary() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fakecord"));
    command
        .args(["--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    command
}

#[tokio::test]
async fn replay_capacity_is_a_flag_and_a_control_call() {
    let mut child = fakecord_binary()
        .args(["--replay-capacity", "3"])
        .spawn()
        .expect("fakecord starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut first = String::new();
    tokio::time::timeout(WAIT, BufReader::new(stdout).read_line(&mut first))
        .await
        .expect("the address in time")
        .expect("the address line");
    let fc = Fakecord::new(first.trim());
    assert_eq!(fc.status().await.expect("status").replay_capacity, 3);

    assert_eq!(fc.set_replay_capacity(500).await.expect("resized"), 500);
    assert_eq!(fc.status().await.expect("status").replay_capacity, 500);
    let refused = fc.set_replay_capacity(0).await.expect_err("at least one");
    assert_eq!(refused.status(), Some(400));
    child.kill().await.expect("stopped");
}

#[tokio::test]
async fn a_required_spec_that_is_missing_ends_the_binary_saying_where() {
    let missing = std::env::temp_dir().join("fakecord-no-such-dir/openapi.json");
    let output = fakecord_binary()
        .arg("--require-openapi-spec")
        .arg("--openapi-spec")
        .arg(&missing)
        .output();
    let output = tokio::time::timeout(WAIT, output)
        .await
        .expect("exits in time")
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&missing.display().to_string()),
        "stderr names the path: {stderr}"
    );
}
