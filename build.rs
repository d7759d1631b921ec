//! The program's build identity: a hash of its sources and its locked
//! dependencies, as `BANTIN_BUILD`. Validators derived from a resource's
//! inputs rather than its bytes (pages rendered on demand, the date article
//! pages share) include it: a new build may render other bytes from the same
//! store, and the crate's version number does not change with every build.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

fn main() {
    for input in ["src", "Cargo.lock", "Cargo.toml"] {
        println!("cargo:rerun-if-changed={input}");
    }
    let mut files = Vec::new();
    sources(Path::new("src"), &mut files);
    files.sort();
    files.extend(["Cargo.lock", "Cargo.toml"].map(PathBuf::from));
    // SipHash with fixed keys: the same sources give the same identity on
    // every machine with the same toolchain (another toolchain may give
    // another, which costs clients one full response, never a wrong 304).
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for file in &files {
        file.hash(&mut hasher);
        std::fs::read(file).unwrap_or_default().hash(&mut hasher);
    }
    println!("cargo:rustc-env=BANTIN_BUILD={:016x}", hasher.finish());
}

/// Every file under `dir`.
fn sources(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, files);
        } else {
            files.push(path);
        }
    }
}
