//! Build steps the compiler cannot do alone:
//!
//! - rebuild when a migration is added (`sqlx::migrate!` embeds the migration folders at compile
//!   time, and cargo would not otherwise notice a new file in them);
//! - compress the charts' font, which the binary carries and inflates on the first chart;
//! - on Linux with a glibc that supports it, pack the binary's relative relocations (`DT_RELR`):
//!   on x86-64 the table the loader reads at start-up shrinks from 1.3 MB to 23 kB (GNU ld 2.40
//!   does not pack them for aarch64 yet and ignores the request).

use std::{env, fs, path::PathBuf, process::Command};

/// The font the charts draw with (`src/charts/font.rs`).
const FONT: &str = "assets/fonts/DejaVuSans.ttf";

fn main() {
    println!("cargo:rerun-if-changed=migrations");
    println!("cargo:rerun-if-changed={FONT}");
    compress_font();
    pack_relocations();
}

/// Writes `$OUT_DIR/font.deflate`: the font as a raw DEFLATE stream, half the size of the file.
fn compress_font() {
    let font = fs::read(FONT).expect("the charts' font is in assets/fonts");
    let packed = miniz_oxide::deflate::compress_to_vec(&font, 10);
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out.join("font.deflate"), packed).expect("OUT_DIR is writable");
}

/// Asks the linker for `DT_RELR` relocations on GNU/Linux when the C library the binary links
/// against can load them (glibc 2.36 and later marks that with the `GLIBC_ABI_DT_RELR` version).
/// GNU ld records that version as a requirement, so the flag must not be given against an older
/// glibc: the binary would then not start on the very system that built it. Where the check
/// cannot tell, the flag is left out and the binary is only larger.
fn pack_relocations() {
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let libc = env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os == "linux" && libc == "gnu" && glibc_loads_relr() {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}

/// Whether the target's `libc.so.6`, as the linker driver finds it, defines `GLIBC_ABI_DT_RELR`.
fn glibc_loads_relr() -> bool {
    // Cargo names the linker it resolved for the target (a cross compiler's gcc); rustc's
    // default is `cc`.
    let linker = env::var("RUSTC_LINKER").unwrap_or_else(|_| "cc".to_owned());
    let Ok(found) = Command::new(linker)
        .arg("-print-file-name=libc.so.6")
        .output()
    else {
        return false;
    };
    let path = String::from_utf8_lossy(&found.stdout).trim().to_owned();
    fs::read(&path).is_ok_and(|library| {
        library
            .windows(b"GLIBC_ABI_DT_RELR".len())
            .any(|window| window == b"GLIBC_ABI_DT_RELR")
    })
}
