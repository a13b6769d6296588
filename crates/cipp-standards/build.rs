//! Embeds the standards catalogue: every `catalogue/**/*.json` becomes one entry of a table
//! of `(path under catalogue/, include_str!(file))` in `$OUT_DIR/catalogue_files.rs`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            json_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}

fn main() -> std::io::Result<()> {
    // Read at run time, not with `env!`: a build script compiled for one checkout and reused
    // by another (a shared or copied target dir) would otherwise embed the first checkout's
    // files.
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .ok_or_else(|| std::io::Error::other("CARGO_MANIFEST_DIR is not set"))?;
    let root = Path::new(&manifest).join("catalogue");
    println!("cargo:rerun-if-changed=catalogue");
    let mut files = Vec::new();
    json_files(&root, &mut files)?;
    files.sort();
    let mut table = String::from("&[\n");
    for file in &files {
        let key = file
            .strip_prefix(&root)
            .map_err(std::io::Error::other)?
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        let _ = writeln!(table, "    ({key:?}, include_str!({:?})),", file.display());
    }
    table.push(']');
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or_else(|| {
        std::io::Error::other("OUT_DIR is not set (build scripts run under cargo)")
    })?);
    std::fs::write(out.join("catalogue_files.rs"), table)
}
