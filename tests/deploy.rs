//! The Heroku deploy as far as it can be checked without Heroku: `heroku.yml` builds the
//! Dockerfile as a worker, migrates in the release phase and runs the bot; the Dockerfile's final
//! image has the binary where those commands find it, and nothing Heroku's runtime refuses.

use std::path::Path;
use std::process::Command;

fn read(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// `heroku.yml` flattened to `(path, value)` pairs, e.g. `("build.docker.worker", "Dockerfile")`
/// and `("release.command[]", "trakker migrate")`. Only the YAML the file uses is understood —
/// nested maps, `- item` lists, comment lines — and anything else fails the test.
fn flatten(yaml: &str) -> Vec<(String, String)> {
    let mut parents: Vec<(usize, String)> = Vec::new();
    let mut pairs = Vec::new();
    for line in yaml.lines() {
        let content = line.trim_start();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        let indent = line.len() - content.len();
        while parents.last().is_some_and(|(depth, _)| *depth >= indent) {
            parents.pop();
        }
        let parent: Vec<&str> = parents.iter().map(|(_, key)| key.as_str()).collect();
        let parent = parent.join(".");
        if let Some(item) = content.strip_prefix("- ") {
            pairs.push((format!("{parent}[]"), item.trim().to_owned()));
        } else if let Some((key, value)) = content.split_once(':') {
            let path = if parent.is_empty() {
                key.to_owned()
            } else {
                format!("{parent}.{key}")
            };
            match value.trim() {
                "" => parents.push((indent, key.to_owned())),
                value => pairs.push((path, value.to_owned())),
            }
        } else {
            panic!("heroku.yml has a line this check does not understand: {line}");
        }
    }
    pairs
}

/// The Dockerfile's stages, each as its instructions from its `FROM` on, comments left out.
fn stages(dockerfile: &str) -> Vec<Vec<String>> {
    let mut stages: Vec<Vec<String>> = Vec::new();
    for line in dockerfile.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with("FROM ") {
            stages.push(Vec::new());
        }
        stages
            .last_mut()
            .expect("the Dockerfile starts with FROM")
            .push(line.to_owned());
    }
    stages
}

#[test]
fn heroku_builds_the_dockerfile_migrates_on_release_and_runs_a_worker() {
    let pairs = flatten(&read("heroku.yml"));
    let pairs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(path, value)| (path.as_str(), value.as_str()))
        .collect();
    assert_eq!(
        pairs,
        [
            ("build.docker.worker", "Dockerfile"),
            ("release.image", "worker"),
            ("release.command[]", "trakker migrate"),
            ("run.worker", "trakker run"),
        ],
        "a worker built from the Dockerfile, migrations on release, the bot as the worker"
    );
    assert!(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("Dockerfile")
            .is_file(),
        "the Dockerfile heroku.yml names exists"
    );
}

#[test]
fn heroku_commands_are_subcommands_of_the_binary() {
    for (_, command) in flatten(&read("heroku.yml"))
        .into_iter()
        .filter(|(path, _)| path.starts_with("release.command") || path.starts_with("run."))
    {
        let words: Vec<&str> = command.split_whitespace().collect();
        assert_eq!(words.first(), Some(&"trakker"), "{command}");
        let help = Command::new(env!("CARGO_BIN_EXE_trakker"))
            .args(&words[1..])
            .arg("--help")
            .output()
            .expect("the trakker binary runs");
        assert!(
            help.status.success(),
            "`{command}` is not a trakker command"
        );
    }
}

#[test]
fn the_final_image_has_the_binary_on_the_path_and_nothing_heroku_refuses() {
    let stages = stages(&read("Dockerfile"));
    let build = stages
        .iter()
        .find(|stage| stage[0].ends_with(" AS build"))
        .expect("a stage named build");
    assert!(
        build.iter().any(|line| line == "WORKDIR /src"),
        "{build:#?}"
    );
    assert!(
        build
            .iter()
            .any(|line| line == "RUN cargo build --release --locked --bin trakker"),
        "{build:#?}"
    );

    // The image Heroku runs is the last stage.
    let stage = stages.last().expect("at least one stage");
    // /usr/local/bin is on the PATH of Debian images, so `trakker …` finds it.
    assert!(
        stage
            .iter()
            .any(|line| line
                == "COPY --from=build /src/target/release/trakker /usr/local/bin/trakker"),
        "{stage:#?}"
    );
    assert!(
        stage.iter().any(|line| line == r#"CMD ["trakker", "run"]"#),
        "{stage:#?}"
    );
    for refused in ["ENTRYPOINT", "VOLUME"] {
        // heroku.yml's commands replace CMD, so an ENTRYPOINT would get them as arguments;
        // Heroku's runtime does not support VOLUME.
        assert!(
            !stage.iter().any(|line| line.starts_with(refused)),
            "{refused} in the final stage: {stage:#?}"
        );
    }
}

#[test]
fn the_deployed_binary_does_not_carry_the_fake_discord() {
    let manifest = read("Cargo.toml");
    let section = |name: &str| -> String {
        manifest
            .split(&format!("\n[{name}]\n"))
            .nth(1)
            .and_then(|rest| rest.split("\n[").next())
            .unwrap_or_else(|| panic!("Cargo.toml has [{name}]"))
            .to_owned()
    };
    let runtime = section("dependencies");
    assert!(
        !runtime.contains("fakecord"),
        "fakecord is for tests and the demo only:\n{runtime}"
    );
    assert!(section("dev-dependencies").contains("fakecord"));
    assert!(read("demo/Cargo.toml").contains("fakecord"));
}

/// `build.rs` packs relative relocations exactly when the C library can load them: a binary with
/// a `DT_RELR` table built against an older glibc would not start on the machine that built it.
#[test]
fn the_binary_packs_its_relocations_exactly_where_glibc_loads_them() {
    if !cfg!(all(target_os = "linux", target_env = "gnu")) {
        println!("skipped: DT_RELR is only used on GNU/Linux");
        return;
    }
    let Ok(dynamic) = Command::new("readelf")
        .args(["--dynamic", env!("CARGO_BIN_EXE_trakker")])
        .output()
    else {
        println!("skipped: no readelf here to read the binary's dynamic section");
        return;
    };
    assert!(dynamic.status.success(), "{dynamic:?}");
    let dynamic = String::from_utf8_lossy(&dynamic.stdout);
    let libc = Command::new("cc")
        .arg("-print-file-name=libc.so.6")
        .output()
        .expect("the C compiler that links the binary is here");
    let libc = std::fs::read(String::from_utf8_lossy(&libc.stdout).trim())
        .expect("cc names the libc.so.6 it links against");
    let marker = b"GLIBC_ABI_DT_RELR";
    let glibc_loads_relr = libc.windows(marker.len()).any(|window| window == marker);
    assert_eq!(
        dynamic.contains("(RELR)"),
        glibc_loads_relr,
        "glibc here {} DT_RELR; the binary's dynamic section:\n{dynamic}",
        if glibc_loads_relr {
            "loads"
        } else {
            "cannot load"
        }
    );
    let version = Command::new(env!("CARGO_BIN_EXE_trakker"))
        .arg("--version")
        .output()
        .expect("the binary runs");
    assert!(version.status.success(), "{version:?}");
}
