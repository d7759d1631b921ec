//! `bantin check`: how each file parses, for editors (one line a file) and tools
//! (`--json`, one object a line: a public interface, keep its names stable).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use chrono_tz::Tz;
use serde::Serialize;

use crate::article::{Article, Depth, Warning};
use crate::config::Config;
use crate::render;
use crate::store::{self, article_id, Candidate, Listed, Root, Stats};
use crate::text::{printable, printable_path};
use crate::timestamp::rfc3339;

/// A path's bytes, for JSON, when it is not UTF-8: `path` then shows each
/// such byte as U+FFFD, and two names can show alike.
fn path_bytes(path: &Path) -> Option<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    let bytes = path.as_os_str().as_bytes();
    std::str::from_utf8(bytes).is_err().then(|| bytes.to_vec())
}

/// The JSON line for one file.
#[derive(Serialize)]
struct FileReport<'a> {
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    path_bytes: Option<Vec<u8>>,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
    warnings: Vec<String>,
    /// How many warnings were left out of `warnings`, whose last then counts them.
    #[serde(skip_serializing_if = "is_zero")]
    warnings_left_out: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    article: Option<ArticleReport<'a>>,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

#[derive(Serialize)]
struct ArticleReport<'a> {
    id: &'a str,
    title: &'a str,
    categories: &'a [String],
    tags: &'a [String],
    published: String,
    captured: Option<String>,
    updated: Option<String>,
    withdrawn: Option<WithdrawnReport<'a>>,
    author: Option<&'a str>,
    source: Option<&'a str>,
    summary: &'a str,
    paragraphs: &'a [String],
}

#[derive(Serialize)]
struct WithdrawnReport<'a> {
    at: String,
    reason: Option<&'a str>,
}

impl<'a> ArticleReport<'a> {
    fn new(a: &'a Article) -> Self {
        ArticleReport {
            id: &a.id,
            title: &a.title,
            categories: &a.categories,
            tags: &a.tags,
            published: rfc3339(&a.published),
            captured: a.captured.as_ref().map(rfc3339),
            updated: a.updated.as_ref().map(rfc3339),
            withdrawn: a.withdrawn.as_ref().map(|w| WithdrawnReport {
                at: rfc3339(&w.at),
                reason: w.reason.as_deref(),
            }),
            author: a.author.as_deref(),
            source: a.source.as_deref(),
            summary: &a.summary,
            paragraphs: &a.paragraphs,
        }
    }
}

/// The correction and withdrawal of an article, one line each, so an editor sees
/// how the lines were read.
fn marks(out: &mut dyn Write, shown: &str, a: &Article) -> std::io::Result<()> {
    if let Some(at) = &a.updated {
        writeln!(out, "  updated: {shown}: {}", rfc3339(at))?;
    }
    if let Some(w) = &a.withdrawn {
        match &w.reason {
            Some(r) => writeln!(
                out,
                "  withdrawn: {shown}: {} - {}",
                rfc3339(&w.at),
                printable(r)
            )?,
            None => writeln!(out, "  withdrawn: {shown}: {}", rfc3339(&w.at))?,
        }
    }
    Ok(())
}

/// Totals of a check run.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    /// Files that parsed.
    pub ok: usize,
    /// Files that were rejected.
    pub rejected: usize,
    /// Warnings over all files.
    pub warnings: usize,
    /// Paths named on the command line that the daemon never reads (an
    /// ignored name, a symlink to a folder): none of them is served.
    pub ignored: usize,
}

/// Why a path named on the command line gave no file to check.
#[derive(Debug, Clone, PartialEq, Eq)]
enum NotRead {
    /// The daemon never reads the path itself, for this reason.
    Ignored(String),
    /// A folder under which nothing is read, for this reason.
    Nothing(String),
}

/// Why `path`, named on the command line, gave no file to check, judged as
/// [`candidates`] judges it: a path in the store by the names under the
/// store root (each of them may be ignored) and as a symlink to a folder
/// (never followed); one outside by its own name.
fn why_not_read(path: &Path, store: Option<&Root>) -> NotRead {
    let in_the_store = store.and_then(|root| Some((root, in_store(root, path)?)));
    let names: Vec<String> = match &in_the_store {
        Some((root, sub)) => sub
            .strip_prefix(root.path())
            .map(|rel| {
                rel.components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default(),
        None => path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .into_iter()
            .collect(),
    };
    for (i, name) in names.iter().enumerate() {
        if let Some(why) = store::ignored(name) {
            let name = printable(name);
            return NotRead::Ignored(if i + 1 == names.len() {
                format!("the daemon never reads it: {why} are ignored")
            } else {
                format!("the daemon never reads it: it is under {name:?}, and {why} are ignored")
            });
        }
    }
    let link = std::fs::symlink_metadata(path).is_ok_and(|m| m.is_symlink());
    let folder = std::fs::metadata(path).is_ok_and(|m| m.is_dir());
    match (in_the_store.is_some() && link, folder) {
        (true, true) => NotRead::Ignored(
            "the daemon never reads it: it is a symlink to a folder, and folder symlinks are \
             never followed (move the files into the store, or link each file)"
                .to_owned(),
        ),
        (false, true) => NotRead::Nothing(folder_not_read(path)),
        _ => NotRead::Nothing("the daemon reads nothing here".to_owned()),
    }
}

/// Why nothing under the folder `path` is read: it is empty, or each of its
/// entries is ignored (the first few named, with why).
fn folder_not_read(path: &Path) -> String {
    const NAMED: usize = 5;
    let mut names: Vec<PathBuf> = match std::fs::read_dir(path) {
        Ok(entries) => entries.filter_map(Result::ok).map(|e| e.path()).collect(),
        Err(e) => return format!("cannot list it: {e}"),
    };
    if names.is_empty() {
        return "it is empty".to_owned();
    }
    names.sort();
    let why = |entry: &Path| {
        let raw = entry.file_name().unwrap_or_default();
        let name = raw.to_string_lossy();
        let shown = printable_path(Path::new(raw));
        if let Some(why) = store::ignored(&name) {
            return format!("{shown} ({why} are ignored)");
        }
        let link = std::fs::symlink_metadata(entry).is_ok_and(|m| m.is_symlink());
        match (link, std::fs::metadata(entry).is_ok_and(|m| m.is_dir())) {
            (true, true) => format!("{shown} (a symlink to a folder, never followed)"),
            (false, true) => format!("{shown}/ (nothing under it is read)"),
            _ => shown,
        }
    };
    let mut said: Vec<String> = names.iter().take(NAMED).map(|p| why(p)).collect();
    if names.len() > NAMED {
        said.push(format!("and {} more", names.len() - NAMED));
    }
    said.join(", ")
}

/// Reports `path`, named on the command line, that gave no file to check
/// (see [`why_not_read`]). An ignored path is counted in `totals` and has a
/// JSON line (`ok` false, `ignored` true); a folder with nothing read under
/// it is a note in the human output only, as it is no file.
fn not_read(
    path: &Path,
    store: Option<&Root>,
    json: bool,
    out: &mut dyn Write,
    totals: &mut Totals,
) -> std::io::Result<()> {
    match why_not_read(path, store) {
        NotRead::Ignored(why) => {
            totals.ignored += 1;
            if json {
                let report = IgnoredReport {
                    path: path.display().to_string(),
                    path_bytes: path_bytes(path),
                    ok: false,
                    ignored: true,
                    error: why,
                    warnings: Vec::new(),
                };
                serde_json::to_writer(&mut *out, &report)?;
                writeln!(out)
            } else {
                writeln!(out, "IGNORED {}: {why}", printable_path(path))
            }
        }
        NotRead::Nothing(_) if json => Ok(()),
        NotRead::Nothing(why) => writeln!(
            out,
            "NOTHING {}: nothing under this folder is read: {why}",
            printable_path(path)
        ),
    }
}

/// The JSON line for a path named on the command line that the daemon never reads.
#[derive(Serialize)]
struct IgnoredReport {
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    path_bytes: Option<Vec<u8>>,
    ok: bool,
    ignored: bool,
    error: String,
    warnings: Vec<String>,
}

/// One file to report on: what the store boundary made of it, and the path
/// to show for it.
type Found = (Result<Candidate, store::FileError>, PathBuf);

/// The candidates a command-line path names, judged as the daemon judges them
/// when the path is inside `store` (see [`in_store`]), else as before there
/// was a store to judge against (see [`outside_store`]).
fn candidates(path: &Path, store: Option<&Root>) -> Vec<Found> {
    if let Err(e) = std::fs::symlink_metadata(path) {
        return vec![(Err(e.into()), path.to_owned())];
    }
    match store.and_then(|root| Some((root, in_store(root, path)?))) {
        Some((root, sub)) => inside_store(root, &sub, path),
        None => outside_store(path),
    }
}

/// `path` as the store names it (under its root as configured) if it is in
/// the store: its folders resolved, whatever way it was given (relative, with
/// `..`, through a symlinked folder), and its last name kept, so a link is
/// judged as a link, as the daemon lists it.
fn in_store(root: &Root, path: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(path).ok()?;
    let resolved = match absolute.components().next_back() {
        Some(Component::Normal(name)) => {
            let folder = absolute.parent().unwrap_or(Path::new("/"));
            folder.canonicalize().ok()?.join(name)
        }
        // `..`, `/`: a folder, resolved whole.
        _ => absolute.canonicalize().ok()?,
    };
    let inside = resolved.strip_prefix(root.canonical()).ok()?;
    // The root itself without a trailing `/`, as the daemon names it.
    Some(if inside.as_os_str().is_empty() {
        root.path().to_owned()
    } else {
        root.path().join(inside)
    })
}

/// The candidates at or below `sub` (a path in the store `root`), with the
/// ids and symlink verdicts the daemon gives them; each shown under the
/// path as it was `given`.
fn inside_store(root: &Root, sub: &Path, given: &Path) -> Vec<Found> {
    root.walk(sub, Stats::Take)
        .filter_map(|listed| {
            let shown = match listed.path().strip_prefix(sub) {
                Ok(rel) if rel.as_os_str().is_empty() => given.to_owned(),
                Ok(rel) => given.join(rel),
                Err(_) => listed.path().to_owned(),
            };
            match listed {
                Listed::Candidate(c) => Some((Ok(c), shown)),
                Listed::Rejected(r) => Some((Err(r.error), shown)),
                // No article, and nothing wrong: the folder's files are
                // checked under their own paths.
                Listed::FolderLink(_) => None,
            }
        })
        .collect()
}

/// The candidates of a path outside the store in force, read as a store of
/// its own: a folder's articles (ids relative to it, as if it were the
/// store), or one file (id = its folder and name without extension, as if
/// its folder were a category folder of the store). Ignored files are left
/// out.
fn outside_store(path: &Path) -> Vec<Found> {
    let meta = std::fs::metadata(path);
    if meta.as_ref().is_ok_and(|m| m.is_dir()) {
        return match store::list(path) {
            Ok(listing) => listing
                .candidates
                .into_iter()
                .map(|c| {
                    let p = c.path.clone();
                    (Ok(c), p)
                })
                .chain(listing.rejected.into_iter().map(|r| (Err(r.error), r.path)))
                .collect(),
            Err(e) => vec![(Err(e.into()), path.to_owned())],
        };
    }
    // Read from the folder above the file's, so the id names the file's folder;
    // from the file's own folder when that one's name would be ignored in a
    // store (a hidden temp folder), or there is none above.
    let folder = path.parent().unwrap_or(Path::new(""));
    let candidate_under = |root: &Path| {
        store::Root::open(root)
            .map_err(store::FileError::from)
            .and_then(|root| root.candidate(path))
    };
    let ignored_folder = folder
        .file_name()
        .is_some_and(|name| store::is_ignored(&name.to_string_lossy()));
    let candidate = match folder.parent().map(candidate_under) {
        Some(Ok(Some(c))) => Ok(Some(c)),
        // Refused in the store it is read in (a link out of it, or into an
        // ignored folder of it), for the reason that store gives.
        Some(Err(e)) if !ignored_folder => Err(e),
        _ => candidate_under(folder),
    };
    match candidate {
        Ok(Some(c)) => vec![(Ok(c), path.to_owned())],
        Ok(None) => vec![],
        Err(e) => vec![(Err(e), path.to_owned())],
    }
}

/// The ids the files of `c`'s folder that come before it by path give, when
/// they parse: the daemon gives an id to the first file by path (see
/// [`crate::catalog::claim`]), and a file checked alone must lose to them as
/// it does there. Two files giving one id are in one folder, but for folders
/// whose names normalise alike (NFC and NFD spellings), which only a check
/// of a folder holding both finds. Each id is given with the file that
/// claims it, shown beside `shown` (how `c` is shown).
fn claimed_before(c: &Candidate, cap: u64, tz: Tz, shown: &Path, folders: &mut Folders) -> Claimed {
    let names = folders.names(&c.path);
    // In path order, spelled as `c.path` is (a bare name's folder is `.`).
    let earlier: Vec<PathBuf> = names
        .iter()
        .map(|name| c.path.with_file_name(name))
        .take_while(|p| *p < c.path)
        .filter(|p| article_id(c.root.path(), p).as_deref() == Some(&*c.id))
        .collect();
    earlier
        .iter()
        .filter_map(|p| c.root.candidate(p).ok().flatten())
        .find(|earlier| store::load(earlier, cap, tz, Depth::Head).is_ok())
        .map(|earlier| {
            let name = earlier.path.file_name().unwrap_or_default();
            Claimed::from([(earlier.id, shown.with_file_name(name))])
        })
        .unwrap_or_default()
}

/// The ids claimed so far in a check, with the file (as shown) that claims each.
type Claimed = BTreeMap<String, PathBuf>;

/// The names in each folder a check has listed, sorted, so many files of
/// one folder checked one by one list it once.
#[derive(Default)]
struct Folders(BTreeMap<PathBuf, Vec<std::ffi::OsString>>);

impl Folders {
    /// The sorted names in the folder of `file` (the working folder for a
    /// bare name); none if it cannot be listed.
    fn names(&mut self, file: &Path) -> &[std::ffi::OsString] {
        let folder = file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        self.0.entry(folder.to_owned()).or_insert_with(|| {
            let mut names: Vec<std::ffi::OsString> = std::fs::read_dir(folder)
                .map(|names| {
                    names
                        .filter_map(Result::ok)
                        .map(|e| e.file_name())
                        .collect()
                })
                .unwrap_or_default();
            // By bytes, as the paths of one folder compare.
            names.sort();
            names
        })
    }
}

/// The warning for an article whose page's URL is too long for a sitemap,
/// which leaves it out.
fn url_warning(a: &Article, site: &crate::config::SiteConfig) -> Option<Warning> {
    let path = render::article_path(&a.id);
    render::sitemap::loc(site, &path)
        .is_none()
        .then(|| Warning {
            line: None,
            message: format!(
                "the article's URL is {} characters, over the {} a sitemap may list, so the \
                 sitemaps leave it out; shorten its folder or file names",
                site.base_url.len() + path.len(),
                render::sitemap::MAX_LOC
            ),
        })
}

/// The warning for an article too long for a feed item (see
/// [`crate::render::item_content`]), if it is.
fn item_warning(a: &Article, max_item_bytes: usize) -> Option<Warning> {
    if render::content_within(a, max_item_bytes).is_some() {
        return None;
    }
    Some(Warning {
        line: None,
        message: format!(
            "the article is {} bytes of HTML, over the {max_item_bytes}-byte limit of a feed \
             item ([feeds] max_item_bytes): feed items carry its lead and a link to its page",
            render::content_html(a).len()
        ),
    })
}

/// Checks every file under `paths` (files over `cap` bytes are rejected; feed
/// items hold at most `max_item_bytes`), writing reports to `out`. A path
/// inside `cfg.store` is judged as the daemon judges it; one outside, as a
/// store of its own (see [`candidates`]).
pub fn run(
    paths: &[PathBuf],
    json: bool,
    cfg: &Config,
    out: &mut dyn Write,
) -> std::io::Result<Totals> {
    let (cap, max_item_bytes, tz) = (cfg.max_file_size, cfg.feeds.max_item_bytes, cfg.tz);
    // The store in force: a path inside it is judged against it. None there
    // (a check of loose files on a machine with no store): every path is
    // outside.
    let store = Root::open(&cfg.store).ok();
    let mut totals = Totals::default();
    let mut folders = Folders::default();
    for path in paths {
        let mut found = candidates(path, store.as_ref());
        found.sort_by(|a, b| a.1.cmp(&b.1));
        // As the daemon does: an id belongs to the first file (by path) that
        // gives it. A file checked alone meets the files of its folder before
        // it, in the store in force or in the one it is read as part of.
        let mut ids = match &found[..] {
            [(Ok(c), shown)] => claimed_before(c, cap, tz, shown, &mut folders),
            _ => Claimed::new(),
        };
        if found.is_empty() {
            not_read(path, store.as_ref(), json, out, &mut totals)?;
            continue;
        }
        for (candidate, file) in found {
            let result = candidate
                .and_then(|c| store::load(&c, cap, tz, Depth::Full))
                .and_then(|mut l| {
                    let id = &l.parsed.article.id;
                    let holder = ids.get(id).map(PathBuf::as_path);
                    crate::catalog::claim(id, false, holder, &file)?;
                    ids.insert(id.clone(), file.clone());
                    // About the article as a whole, so first, before the
                    // file's own (which may end counting those left out).
                    let whole: Vec<Warning> = item_warning(&l.parsed.article, max_item_bytes)
                        .into_iter()
                        .chain(url_warning(&l.parsed.article, &cfg.site))
                        .collect();
                    l.parsed.warnings.splice(0..0, whole);
                    Ok(l)
                });
            let (article, warnings, left_out, error) = match &result {
                Ok(l) => (
                    Some(&l.parsed.article),
                    l.parsed.warnings.as_slice(),
                    l.warnings_left_out,
                    None,
                ),
                Err(e) => (None, &[] as &[Warning], 0, Some(e.to_string())),
            };
            if error.is_some() {
                totals.rejected += 1;
            } else {
                totals.ok += 1;
            }
            // Every warning, those left out too, and not the line counting them.
            totals.warnings += match left_out {
                0 => warnings.len(),
                n => warnings.len() - 1 + n,
            };
            if json {
                let report = FileReport {
                    path: file.display().to_string(),
                    path_bytes: path_bytes(&file),
                    ok: error.is_none(),
                    error,
                    warnings: warnings.iter().map(ToString::to_string).collect(),
                    warnings_left_out: left_out,
                    article: article.map(ArticleReport::new),
                };
                serde_json::to_writer(&mut *out, &report)?;
                writeln!(out)?;
            } else {
                // File names and text from the store reach a terminal: shown
                // with their control characters escaped.
                let shown = printable_path(&file);
                match &error {
                    None => writeln!(out, "OK      {shown}")?,
                    Some(e) => writeln!(out, "ERROR   {shown}: {}", printable(e))?,
                }
                if let Some(a) = article {
                    marks(out, &shown, a)?;
                }
                for w in warnings {
                    writeln!(out, "  warning: {shown}: {}", printable(&w.to_string()))?;
                }
            }
        }
    }
    if !json {
        let ignored = match totals.ignored {
            0 => String::new(),
            1 => "; 1 path named is never read".to_owned(),
            n => format!("; {n} paths named are never read"),
        };
        writeln!(
            out,
            "{} files: {} ok, {} rejected, {} warnings{ignored}",
            totals.ok + totals.rejected,
            totals.ok,
            totals.rejected,
            totals.warnings
        )?;
    }
    Ok(totals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_in_the_store_however_it_is_spelled() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("store");
        std::fs::create_dir_all(root.join("a")).unwrap();
        std::fs::write(root.join("a/x.txt"), "x").unwrap();
        std::os::unix::fs::symlink(&root, dir.path().join("via")).unwrap();
        std::os::unix::fs::symlink("a", root.join("l")).unwrap();
        let store = Root::open(&root).unwrap();
        let at = |p: &Path| in_store(&store, p);
        let x = Some(root.join("a/x.txt"));
        assert_eq!(at(&root.join("a/x.txt")), x);
        assert_eq!(at(&root.join("l/../a/./x.txt")), x);
        assert_eq!(at(&dir.path().join("via/a/x.txt")), x);
        assert_eq!(at(&root.join("a/")), Some(root.join("a")));
        assert_eq!(at(&root.join("a/..")), Some(root.clone()));
        assert_eq!(at(&root), Some(root.clone()));
        // The last name is kept, so a link is judged as a link.
        assert_eq!(at(&root.join("l")), Some(root.join("l")));
        assert_eq!(at(&dir.path().join("other.txt")), None);
        assert_eq!(at(&root.join("../other.txt")), None);
        assert_eq!(at(&root.join("none/x.txt")), None);
    }

    #[test]
    fn a_second_file_with_the_same_id_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let art = "Tiêu đề\n10/05/2020 15:33\nDẫn.\n";
        std::fs::write(dir.path().join("a.md"), art).unwrap();
        std::fs::write(dir.path().join("a.txt"), art).unwrap();
        // An unparsable file does not claim its id.
        std::fs::write(dir.path().join("b.md"), "").unwrap();
        std::fs::write(dir.path().join("b.txt"), art).unwrap();
        let mut out = Vec::new();
        let cfg = Config::from_toml("", None).unwrap();
        let totals = run(&[dir.path().to_owned()], true, &cfg, &mut out).unwrap();
        assert_eq!((totals.ok, totals.rejected), (2, 2));
        let lines: Vec<serde_json::Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let ok: Vec<(bool, &str)> = lines
            .iter()
            .map(|l| {
                let name = l["path"].as_str().unwrap().rsplit('/').next().unwrap();
                (l["ok"].as_bool().unwrap(), name)
            })
            .collect();
        assert_eq!(
            ok,
            [
                (true, "a.md"),
                (false, "a.txt"),
                (false, "b.md"),
                (true, "b.txt")
            ]
        );
        assert!(lines[1]["error"]
            .as_str()
            .unwrap()
            .ends_with("a.md, already gives the article id \"a\"; rename one of them"));
    }
}
