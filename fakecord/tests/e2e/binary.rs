//! The `fakecord` binary: its flags reach the server it runs.

use std::process::Stdio;

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
