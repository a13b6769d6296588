//! The credentials file written by `cipp auth login`: `KEY=value` lines, mode 0600.

use std::path::{Path, PathBuf};

/// `$CIPP_ENV_FILE`, else `$XDG_CONFIG_HOME/cipp/credentials.env`, else `~/.config/cipp/credentials.env`.
pub fn default_path() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("CIPP_ENV_FILE") {
        return Some(PathBuf::from(p));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("cipp").join("credentials.env"))
}

/// Parse `KEY=value` lines (comments and blanks skipped, optional `export `, optional quotes).
pub fn parse(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let l = l.strip_prefix("export ").unwrap_or(l);
            let (k, v) = l.split_once('=')?;
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|x| x.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|x| x.strip_suffix('\'')))
                .unwrap_or(v);
            Some((k.trim().to_string(), v.to_string()))
        })
        .collect()
}

/// Set variables from the default file that the environment does not already set.
pub fn load_default() {
    let Some(path) = default_path() else { return };
    let Ok(text) = std::fs::read_to_string(&path) else {
        return;
    };
    for (k, v) in parse(&text) {
        if k.starts_with("CIPP_") && std::env::var_os(&k).is_none() {
            // Single-threaded here: called before the runtime starts.
            std::env::set_var(k, v);
        }
    }
}

/// Write or update `key` in the file at `path`, creating it with mode 0600.
pub fn upsert(path: &Path, key: &str, value: &str) -> std::io::Result<()> {
    let existing = std::fs::read_to_string(path).unwrap_or_default();
    let mut lines: Vec<String> = existing
        .lines()
        .filter(|l| {
            let l = l.trim().strip_prefix("export ").unwrap_or(l.trim());
            !l.starts_with(&format!("{key}="))
        })
        .map(str::to_string)
        .collect();
    lines.push(format!("{key}={value}"));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    use std::io::Write;
    let mut f = opts.open(path)?;
    f.write_all((lines.join("\n") + "\n").as_bytes())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_upserts() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.env");
        upsert(&p, "CIPP_REFRESH_TOKEN", "a+b").unwrap();
        upsert(&p, "CIPP_TENANT_ID", "t").unwrap();
        upsert(&p, "CIPP_REFRESH_TOKEN", "c").unwrap();
        let parsed = parse(&std::fs::read_to_string(&p).unwrap());
        assert_eq!(
            parsed,
            vec![
                ("CIPP_TENANT_ID".to_string(), "t".to_string()),
                ("CIPP_REFRESH_TOKEN".to_string(), "c".to_string())
            ]
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(
            parse("export A=\"x y\"\n# c\nB='z'"),
            vec![("A".into(), "x y".into()), ("B".into(), "z".into())]
        );
    }
}
