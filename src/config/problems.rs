//! Every problem in a config file at once, each with its table, key, line and the
//! lines it is on: what a sysadmin needs to fix the file in one pass.
//!
//! serde stops at the first error, so the file is checked in rounds: unknown keys
//! are found by walking the TOML document against the schema serde itself
//! describes (traced from [`RawConfig`], so there is no second list of key
//! names), then each key that fails to deserialize or to validate is recorded
//! and taken out of a working copy of the document, and the copy is tried again,
//! until it yields a [`Config`]. Problems are located in the file as written.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde_reflection::{ContainerFormat, Format, Named, Registry};
use toml_edit::{DocumentMut, ImDocument, Item, TableLike};

use super::meaning;
use super::{Config, ConfigError, RawConfig};

/// One thing wrong in a config file.
#[derive(Debug, Clone)]
pub struct Problem {
    /// The config file, or what stands for it when there is none.
    pub file: PathBuf,
    /// Where in the file, when it is known.
    pub at: Option<Place>,
    /// What is wrong; it names the table and key.
    pub message: String,
}

/// A place in a config file, with the source to show.
#[derive(Debug, Clone)]
pub struct Place {
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// The lines of the file the problem is on, numbered, with carets under it.
    pub snippet: String,
}

/// All the problems found in one config file, in file order.
#[derive(Debug, Clone)]
pub struct Problems {
    /// The config file, or what stands for it when there is none.
    pub file: PathBuf,
    /// Whether there is a file to fix.
    pub in_file: bool,
    /// At least one problem.
    pub list: Vec<Problem>,
}

impl Problem {
    /// The problem on one line, without the lines of the file shown under
    /// it: for a log, where each line of an event that spans lines would
    /// lose its time and level.
    pub fn headline(&self) -> String {
        match &self.at {
            Some(at) => format!(
                "{}:{}:{}: {}",
                self.file.display(),
                at.line,
                at.column,
                self.message
            ),
            None => format!("{}: {}", self.file.display(), self.message),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.headline())?;
        match &self.at {
            Some(at) => write!(f, "\n{}", at.snippet),
            None => Ok(()),
        }
    }
}

impl Problems {
    /// The closing line: how many problems, and how to check again.
    pub fn summary(&self) -> String {
        let n = self.list.len();
        let (s, them) = if n == 1 { ("", "it") } else { ("s", "them") };
        if self.in_file {
            format!(
                "{n} problem{s} in {}; fix {them} and check again with `bantin config check`",
                self.file.display()
            )
        } else {
            format!(
                "{n} problem{s} with the built-in defaults; write a config file that fixes \
                 {them} (`config.toml` in bantin's documentation lists every key) and check \
                 again with `bantin config check --config FILE`"
            )
        }
    }
}

impl fmt::Display for Problems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.list {
            writeln!(f, "{p}")?;
        }
        f.write_str(&self.summary())
    }
}

/// The report of a config file that is not UTF-8: where its first byte that
/// is not is (`valid` bytes in), and to save it as UTF-8.
pub(super) fn not_utf8(file: &Path, bytes: &[u8], error: std::str::Utf8Error) -> ConfigError {
    let valid = error.valid_up_to();
    let text = String::from_utf8_lossy(bytes);
    let byte = bytes.get(valid).copied().unwrap_or_default();
    let source = Source {
        text: &text,
        file,
        in_file: true,
    };
    // Up to `valid` the lossy text is the file; U+FFFD, 3 bytes, stands for the byte.
    let problem = source.problem(
        Some(valid..valid + 3),
        format!(
            "not UTF-8: byte 0x{byte:02x} here is no UTF-8 character; save the file as UTF-8 \
             (e.g. `iconv -f WINDOWS-1258 -t UTF-8`, or your editor's \"save with encoding\")"
        ),
    );
    source.fail(vec![problem])
}

/// Where the value in force of a key comes from, in one round of [`check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Origin {
    /// The file sets it, and it has not been rejected.
    File,
    /// The file sets it, but it was rejected (its problem is reported): its
    /// default stands in for it, which no one chose.
    Rejected,
    /// The file does not set it: its default.
    Default,
}

/// Where each key's value comes from in a round of [`check`]: what a check
/// of several keys together needs, to blame one the file sets rather than a
/// default, and to blame none when one of them was rejected already (its
/// default would make a second, bogus, problem of the first).
pub(super) struct Origins<'a> {
    /// The file as written.
    written: &'a ImDocument<String>,
    /// The file with the keys rejected so far taken out.
    working: &'a DocumentMut,
}

impl Origins<'_> {
    /// Where the value of the key at `path` (table names, then the key) comes from.
    pub(super) fn of(&self, path: &[&str]) -> Origin {
        if holds(self.working.as_table(), path) {
            Origin::File
        } else if holds(self.written.as_table(), path) {
            Origin::Rejected
        } else {
            Origin::Default
        }
    }
}

/// Whether `table` holds a value at `path`.
fn holds(table: &dyn TableLike, path: &[&str]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut table = table;
    for name in parents {
        match table.get(name).and_then(Item::as_table_like) {
            Some(sub) => table = sub,
            None => return false,
        }
    }
    table.contains_key(last)
}

/// Parses, deserializes and validates `text`, collecting every problem.
///
/// `validate` turns the deserialized file into a [`Config`], told where
/// each value comes from ([`Origins`]); its
/// [`ConfigError::Value`] names the dotted key it rejects. `outside` then
/// checks what that config names outside the file (the store, the body
/// folder) once, on the config made from every key that passed, so its
/// problems are reported with the others, at the key's value; it is not asked
/// about a key already rejected, whose default took its place. `path` is the
/// file, `None` for the built-in defaults.
pub(super) fn check(
    text: &str,
    path: Option<&Path>,
    validate: impl Fn(RawConfig, &Origins<'_>) -> Result<Config, ConfigError>,
    outside: impl Fn(&Config) -> Vec<ConfigError>,
) -> Result<Config, ConfigError> {
    let file = super::shown(path);
    let source = Source {
        text,
        file: &file,
        in_file: path.is_some(),
    };
    let (written, parsed, too_big) = parse(&source)?;
    let mut working = written.clone().into_mut();
    let mut found = Vec::new();
    let mut taken: Vec<Vec<String>> = Vec::new();
    if let Some(schema) = schema() {
        for unknown in unknown_keys(&written, &schema) {
            remove(&mut working, &unknown.path);
            let message = format!("unknown key {}{}", place(&unknown.path), unknown.hint);
            found.push(source.problem(Some(unknown.key_span), message));
        }
    }
    for number in too_big {
        let path = key_at(&parsed, number.start);
        // An unknown key's problem is said already.
        if let Some(path) = path.filter(|p| remove(&mut working, p)) {
            let message = too_big_problem(&path, &text[number.clone()]);
            found.push(source.problem(Some(number), message));
            taken.push(path);
        }
    }
    // Each round takes out one key, so there are at most as many rounds as keys.
    for _ in 0..=text.len() {
        let current = working.to_string();
        let origins = Origins {
            written: &written,
            working: &working,
        };
        let rejected = match toml::from_str::<RawConfig>(&current) {
            Ok(raw) => match validate(raw, &origins) {
                Ok(config) => {
                    for error in outside(&config) {
                        let ConfigError::Value {
                            key, value, reason, ..
                        } = error
                        else {
                            return Err(error);
                        };
                        let path = dotted(&key);
                        if !path.as_ref().is_some_and(|p| taken.contains(p)) {
                            let span = path.as_deref().and_then(|p| value_span(&written, p));
                            let message = value_problem(path.as_deref(), &key, &value, &reason);
                            found.push(source.problem(span, message));
                        }
                    }
                    if found.is_empty() {
                        return Ok(config);
                    }
                    break;
                }
                Err(ConfigError::Value {
                    key, value, reason, ..
                }) => {
                    let path = dotted(&key);
                    let span = path.as_deref().and_then(|p| value_span(&written, p));
                    let message = value_problem(path.as_deref(), &key, &value, &reason);
                    found.push(source.problem(span, message));
                    path
                }
                Err(ConfigError::Entries { key, entries, .. }) => {
                    let path = dotted(&key);
                    for entry in entries {
                        let span = path.as_deref().and_then(|p| {
                            entry_span(&written, p, entry.index).or_else(|| value_span(&written, p))
                        });
                        let message =
                            value_problem(path.as_deref(), &key, &entry.value, &entry.reason);
                        found.push(source.problem(span, message));
                    }
                    path
                }
                Err(other) => return Err(other),
            },
            Err(e) => {
                let path = e.span().and_then(|s| key_at(&current, s.start));
                let message = match &path {
                    Some(p) => type_problem(&written, text, p)
                        .unwrap_or_else(|| format!("{}: {}", setting(p), one_line(e.message()))),
                    None => one_line(e.message()),
                };
                let span = match &path {
                    Some(p) => value_span(&written, p),
                    // serde's span is in the working copy: the file's only
                    // while nothing has been taken out of it.
                    None => e.span().filter(|_| current == parsed),
                };
                found.push(source.problem(span, message));
                path
            }
        };
        match rejected {
            Some(path) if remove(&mut working, &path) => taken.push(path),
            // Nothing to take out: the next round would fail the same way.
            _ => break,
        }
    }
    Err(source.fail(found))
}

/// The file as TOML, the text that parsed, and the spans of the numbers
/// written over in it (see [`parse`]).
type Parsed = (ImDocument<String>, String, Vec<Range<usize>>);

/// The file parsed as TOML, the text parsed and the spans of the whole
/// numbers in it that TOML cannot hold (past a 64-bit signed integer).
///
/// Such a number fails the parse, which would hide every other problem: each
/// is written over with a `0` of the same length, so every span stays the
/// file's, and [`check`] reports its key and takes it out.
fn parse(source: &Source<'_>) -> Result<Parsed, ConfigError> {
    let mut parsed = source.text.to_owned();
    let mut too_big = Vec::new();
    loop {
        match ImDocument::parse(parsed.clone()) {
            Ok(doc) => return Ok((doc, parsed, too_big)),
            Err(e) => {
                // One parse per number: past MAX_TOO_BIG, the rest are not sought.
                let more = too_big.len() < MAX_TOO_BIG;
                let number = e.span().and_then(|s| too_big_number(&parsed, &e, s.start));
                if let Some(number) = number.filter(|_| more) {
                    parsed.replace_range(number.clone(), &zero_of_length(number.len()));
                    too_big.push(number);
                    continue;
                }
                let message = format!("invalid TOML: {}", one_line(e.message()));
                return Err(source.fail(vec![source.problem(e.span(), message)]));
            }
        }
    }
}

/// The most numbers too large for TOML [`parse`] writes over, each a parse
/// of the whole file: past them, the next is reported as invalid TOML.
const MAX_TOO_BIG: usize = 256;

/// The bytes of the whole number at `at` of `text` that the parse error `e`
/// says is past what TOML holds (a 64-bit signed integer), if it is one.
fn too_big_number(text: &str, e: &toml_edit::TomlError, at: usize) -> Option<Range<usize>> {
    if !e.message().contains("to fit in target type") {
        return None;
    }
    let rest = text.get(at..)?;
    let len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '-')))
        .unwrap_or(rest.len());
    let number = rest[..len].trim_start_matches(['+', '-']);
    let (digits, radix) = match number.get(..2) {
        Some("0x") => (&number[2..], 16),
        Some("0o") => (&number[2..], 8),
        Some("0b") => (&number[2..], 2),
        _ => (number, 10),
    };
    let is_number = !digits.is_empty() && digits.chars().all(|c| c.is_digit(radix) || c == '_');
    is_number.then_some(at..at + len)
}

/// A whole number `0` that takes `len` bytes, padded with spaces.
fn zero_of_length(len: usize) -> String {
    format!("{:<len$}", "0")
}

/// A whole number past TOML's (`written`), at `path`, with the key's range
/// when it has one.
fn too_big_problem(path: &[String], written: &str) -> String {
    let keys: Vec<&str> = path.iter().map(String::as_str).collect();
    let (size, side, limit) = if written.starts_with('-') {
        ("small", "below", i64::MIN)
    } else {
        ("large", "above", i64::MAX)
    };
    let expected = match meaning::expected(&keys) {
        Some(expected) => format!("; expected {expected}"),
        None => String::new(),
    };
    format!(
        "{} = {written}: too {size} a number for TOML (whole numbers stop at {limit}, and \
         this is {side} it){expected}",
        setting(path)
    )
}

/// A value of the right kind that cannot be used, named as a type problem
/// names its setting (`[feeds] items = 0: expected …`).
fn value_problem(path: Option<&[String]>, key: &str, value: &str, reason: &str) -> String {
    let shown = path.map_or_else(|| format!("`{key}`"), setting);
    format!("{shown} = {value}: {reason}")
}

/// What serde rejected at `path`, in the words of [`meaning`]: the value as
/// written, what it is when that is the wrong kind, and what the key expects
/// with its range (`[feeds] ttl = "60": found a string in quotes; expected a
/// whole number from 0 to 4294967295 (minutes)`); `None` for a key with no meaning there.
fn type_problem(written: &ImDocument<String>, text: &str, path: &[String]) -> Option<String> {
    let keys: Vec<&str> = path.iter().map(String::as_str).collect();
    let expected = meaning::expected(&keys)?;
    let item = item_at(written, path)?;
    let span = value_span(written, path)?;
    let as_written = text.get(span)?.lines().next().unwrap_or_default().trim();
    Some(format!(
        "{} = {as_written}: {}expected {expected}",
        setting(path),
        meaning::found(item, expected)
    ))
}

/// The item at `path` in `doc`.
fn item_at<'d>(doc: &'d ImDocument<String>, path: &[String]) -> Option<&'d Item> {
    let (last, parents) = path.split_last()?;
    let mut table: &dyn TableLike = doc.as_table();
    for name in parents {
        table = table.get(name)?.as_table_like()?;
    }
    table.get(last)
}

/// The file being checked, to locate problems in.
struct Source<'a> {
    text: &'a str,
    /// The file, or what stands for it.
    file: &'a Path,
    /// Whether there is a file.
    in_file: bool,
}

impl Source<'_> {
    /// A problem at `span` of the file, if known.
    fn problem(&self, span: Option<Range<usize>>, message: String) -> Problem {
        Problem {
            file: self.file.to_owned(),
            at: span.map(|s| place_of(self.text, s)),
            message,
        }
    }

    /// The error for `found`, in file order.
    fn fail(&self, mut found: Vec<Problem>) -> ConfigError {
        found.sort_by_key(|p| p.at.as_ref().map(|a| (a.line, a.column)));
        ConfigError::Invalid(Problems {
            file: self.file.to_owned(),
            in_file: self.in_file,
            list: found,
        })
    }
}

/// serde's messages can span lines; a problem's first line holds all of it.
fn one_line(message: &str) -> String {
    message.trim().replace('\n', "; ")
}

/// A setting as a problem names it before its value: `[site] title`,
/// `[feeds.categories."tin-tuc"] items`, or `listen` (at the top level, as
/// the line shown under it has it).
fn setting(path: &[String]) -> String {
    match path.split_last() {
        Some((key, [])) => quoted(key),
        _ => place(path),
    }
}

/// `[site] title`, `[feeds.categories."tin-tuc"] items`, or `listen (top level)`.
fn place(path: &[String]) -> String {
    match path.split_last() {
        Some((key, [])) => format!("{} (top level)", quoted(key)),
        Some((key, table)) => {
            let table: Vec<String> = table.iter().map(|k| quoted(k)).collect();
            format!("[{}] {}", table.join("."), quoted(key))
        }
        None => String::new(),
    }
}

/// A key as TOML spells it: bare when it can be, quoted otherwise.
fn quoted(key: &str) -> String {
    toml_edit::Key::new(key).display_repr().into_owned()
}

/// The path of a dotted key as `validate` names it (`feeds.categories."a/b".items`).
fn dotted(key: &str) -> Option<Vec<String>> {
    let keys = toml_edit::Key::parse(key).ok()?;
    Some(keys.iter().map(|k| k.get().to_owned()).collect())
}

/// Line, column and snippet of `span` in `text`.
///
/// The snippet has the layout of rustc's and toml's own: a gutter with line
/// numbers, the source line as it is, carets under the span on the next line,
/// then (for a span over several lines) up to two more of its lines.
fn place_of(text: &str, span: Range<usize>) -> Place {
    let start = floor_char(text, span.start.min(text.len()));
    let end = floor_char(text, span.end.clamp(start, text.len()));
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let line = text[..start].matches('\n').count() + 1;
    let column = text[line_start..start].chars().count() + 1;
    let more = text[start..end]
        .trim_end_matches('\n')
        .matches('\n')
        .count()
        .min(2);
    let width = (line + more).to_string().len();
    let gutter = |n: Option<usize>| match n {
        Some(n) => format!("{n:>width$} |"),
        None => format!("{:width$} |", ""),
    };
    let mut lines = text[line_start..].lines();
    let first = lines.next().unwrap_or_default();
    let under = text[start..end].lines().next().unwrap_or_default();
    let mut out = vec![
        gutter(None),
        format!("{} {first}", gutter(Some(line))),
        format!(
            "{} {}{}",
            gutter(None),
            " ".repeat(column - 1),
            "^".repeat(under.chars().count().max(1))
        ),
    ];
    for (i, l) in lines.take(more).enumerate() {
        out.push(format!("{} {l}", gutter(Some(line + 1 + i))));
    }
    Place {
        line,
        column,
        snippet: out.join("\n"),
    }
}

/// The nearest char boundary at or before `i`.
fn floor_char(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The schema of `config.toml`, as serde sees [`RawConfig`]; `None` if it
/// cannot be traced, and then serde alone reports unknown keys, one at a time.
///
/// Traced at each load (a few microseconds; loads are at start and reload):
/// the traced formats are not `Sync`, so they cannot live in a static.
fn schema() -> Option<Schema> {
    let mut tracer = serde_reflection::Tracer::new(serde_reflection::TracerConfig::default());
    let (root, _) = tracer.trace_simple_type::<RawConfig>().ok()?;
    Some(Schema {
        root,
        registry: tracer.registry().ok()?,
    })
}

/// The formats of [`RawConfig`] and the structs it holds.
struct Schema {
    root: Format,
    registry: Registry,
}

/// What a key holds, as far as finding unknown keys goes.
enum Shape<'s> {
    /// A struct: a table of these fields.
    Table(&'s [Named<Format>]),
    /// A map: a table whose keys are free and whose values have this format.
    Map(&'s Format),
    /// A value.
    Value,
}

impl Schema {
    /// The shape of `format`.
    fn shape<'s>(&'s self, format: &'s Format) -> Shape<'s> {
        match format {
            Format::TypeName(name) => match self.registry.get(name) {
                Some(ContainerFormat::Struct(fields)) => Shape::Table(fields),
                _ => Shape::Value,
            },
            Format::Option(inner) => self.shape(inner),
            Format::Map { value, .. } => Shape::Map(value),
            _ => Shape::Value,
        }
    }

    /// Every `(table path, key)` a file may hold, in declaration order; the
    /// tables under a map (whose names the user picks) are left out.
    fn keys(&self) -> Vec<(Vec<String>, &str)> {
        let mut out = Vec::new();
        let mut stack = vec![(Vec::new(), &self.root)];
        while let Some((path, format)) = stack.pop() {
            let Shape::Table(fields) = self.shape(format) else {
                continue;
            };
            for f in fields.iter() {
                out.push((path.clone(), f.name.as_str()));
            }
            for f in fields.iter().rev() {
                let mut sub = path.clone();
                sub.push(f.name.clone());
                stack.push((sub, &f.value));
            }
        }
        out
    }
}

/// A key the schema does not know.
struct Unknown {
    /// Its table path and name.
    path: Vec<String>,
    /// Where its name is written.
    key_span: Range<usize>,
    /// `; did you mean …?`, or nothing.
    hint: String,
}

/// Every key in `doc` that `schema` does not know, in file order.
fn unknown_keys(doc: &ImDocument<String>, schema: &Schema) -> Vec<Unknown> {
    let mut walk = Walk {
        schema,
        known: schema.keys(),
        path: Vec::new(),
        found: Vec::new(),
    };
    walk.table(doc.as_table(), schema.shape(&schema.root));
    walk.found.sort_by_key(|u| u.key_span.start);
    walk.found
}

/// A walk over a document, against the schema, collecting unknown keys.
struct Walk<'s> {
    schema: &'s Schema,
    /// Every key the schema knows, for suggestions.
    known: Vec<(Vec<String>, &'s str)>,
    /// The table being walked.
    path: Vec<String>,
    found: Vec<Unknown>,
}

impl<'s> Walk<'s> {
    /// Records each key under `table` that `shape` does not allow, and walks
    /// the tables it does.
    fn table(&mut self, table: &dyn TableLike, shape: Shape<'s>) {
        for (name, item) in table.iter() {
            let key_span = table
                .get_key_value(name)
                .and_then(|(k, _)| k.span())
                .unwrap_or(0..0);
            self.path.push(name.to_owned());
            let inner = match &shape {
                Shape::Table(fields) => match fields.iter().find(|f| f.name == name) {
                    Some(f) => Some(self.schema.shape(&f.value)),
                    None => {
                        let own: Vec<&str> = fields.iter().map(|f| f.name.as_str()).collect();
                        self.found.push(Unknown {
                            hint: suggestion(&self.path, &own, &self.known),
                            path: self.path.clone(),
                            key_span,
                        });
                        None
                    }
                },
                Shape::Map(value) => Some(self.schema.shape(value)),
                Shape::Value => None,
            };
            if let (Some(inner @ (Shape::Table(_) | Shape::Map(_))), Some(sub)) =
                (inner, item.as_table_like())
            {
                self.table(sub, inner);
            }
            self.path.pop();
        }
    }
}

/// `; did you mean [feeds] items?` for the known key the user most likely meant
/// by the unknown `path`, or nothing when none is close.
///
/// In order: the same name in another table (a key put in the wrong table);
/// a name that differs by whole `_`-words at either end (`max_items` for `items`);
/// a misspelling (at most one edit in four characters, Damerau-Levenshtein). At
/// each step the key's own table comes first.
/// Whether `candidate` may be what `typed` meant: at most one edit
/// (Damerau-Levenshtein) in four characters of `typed`, and at least one.
pub(crate) fn close_enough(typed: &str, candidate: &str) -> bool {
    strsim::damerau_levenshtein(typed, candidate) <= edits_allowed(typed)
}

/// The edits [`close_enough`] allows for `typed`.
pub(crate) fn edits_allowed(typed: &str) -> usize {
    (typed.chars().count() / 4).max(1)
}

fn suggestion(path: &[String], own: &[&str], known: &[(Vec<String>, &str)]) -> String {
    let Some((name, table)) = path.split_last() else {
        return String::new();
    };
    let own = own.iter().map(|k| (table.to_vec(), *k));
    let others = known
        .iter()
        .filter(|(t, _)| t.as_slice() != table)
        .map(|(t, k)| (t.clone(), *k));
    let candidates: Vec<(Vec<String>, &str)> = own.chain(others).collect();
    let misspelt = |k: &str| close_enough(name, k);
    let rules: [&dyn Fn(&str) -> bool; 3] = [&|k| k == name, &|k| word_affix(name, k), &misspelt];
    for rule in rules {
        if let Some((t, k)) = candidates.iter().find(|(_, k)| rule(k)) {
            let mut p = t.clone();
            p.push((*k).to_owned());
            return format!("; did you mean {}?", place(&p));
        }
    }
    String::new()
}

/// Whether one of `a`, `b` is the other with whole `_`-separated words added at
/// the front or the back (`max_items` and `items`, `debounce` and `debounce_ms`).
fn word_affix(a: &str, b: &str) -> bool {
    let (long, short) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    long != short
        && !short.is_empty()
        && (long
            .strip_suffix(short)
            .is_some_and(|front| front.ends_with('_'))
            || long
                .strip_prefix(short)
                .is_some_and(|back| back.starts_with('_')))
}

/// Where the value of `path` is written in `doc` (its key's span when the value
/// has none, e.g. a table made by a dotted header).
fn value_span(doc: &ImDocument<String>, path: &[String]) -> Option<Range<usize>> {
    let mut table: &dyn TableLike = doc.as_table();
    let (last, parents) = path.split_last()?;
    for name in parents {
        table = table.get(name)?.as_table_like()?;
    }
    let (key, item) = table.get_key_value(last)?;
    item.span().or_else(|| key.span())
}

/// Where entry `index` of the array at `path` is written.
fn entry_span(doc: &ImDocument<String>, path: &[String], index: usize) -> Option<Range<usize>> {
    item_at(doc, path)?.as_array()?.get(index)?.span()
}

/// The path of the innermost key whose value or name covers byte `at` of `text`.
fn key_at(text: &str, at: usize) -> Option<Vec<String>> {
    let doc = ImDocument::parse(text.to_owned()).ok()?;
    let mut best: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut stack: Vec<(Vec<String>, &dyn TableLike)> = vec![(Vec::new(), doc.as_table())];
    while let Some((path, table)) = stack.pop() {
        for (name, item) in table.iter() {
            let mut sub = path.clone();
            sub.push(name.to_owned());
            let key = table.get_key_value(name).and_then(|(k, _)| k.span());
            let covers = |s: &Range<usize>| s.contains(&at) || s.start == at;
            if item.span().as_ref().is_some_and(covers) || key.as_ref().is_some_and(covers) {
                best.insert(sub.len(), sub.clone());
            }
            if let Some(t) = item.as_table_like() {
                stack.push((sub, t));
            }
        }
    }
    best.pop_last().map(|(_, p)| p)
}

/// Takes `path` out of `doc`; whether it was there.
fn remove(doc: &mut DocumentMut, path: &[String]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut item: &mut Item = doc.as_item_mut();
    for name in parents {
        match item.as_table_like_mut().and_then(|t| t.get_mut(name)) {
            Some(next) => item = next,
            None => return false,
        }
    }
    item.as_table_like_mut()
        .and_then(|t| t.remove(last))
        .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_schema_is_traced_from_serde() {
        let schema = schema().expect("RawConfig can be traced");
        let keys = schema.keys();
        let has = |table: &[&str], key: &str| {
            keys.iter()
                .any(|(t, k)| t.iter().map(String::as_str).eq(table.iter().copied()) && *k == key)
        };
        // Every key the defaults serialize to is known, in its table.
        let defaults = Config::from_toml("", None).expect("defaults").to_toml();
        let doc: toml::Table = toml::from_str(&defaults).expect("to_toml is TOML");
        for (name, value) in &doc {
            match value.as_table() {
                Some(t) if name != "categories" => {
                    for k in t.keys() {
                        assert!(has(&[name], k), "[{name}] {k}");
                    }
                }
                _ => assert!(has(&[], name), "{name}"),
            }
        }
        assert!(has(&["feeds"], "categories"));
    }

    #[test]
    fn every_key_says_what_it_expects() {
        let schema = schema().expect("schema");
        for (table, key) in schema.keys() {
            let mut path: Vec<&str> = table.iter().map(String::as_str).collect();
            path.push(key);
            assert!(meaning::expected(&path).is_some(), "{path:?}");
        }
        // The tables under a map, whose names the user picks.
        for key in ["title", "description", "items"] {
            let path = ["feeds", "categories", "any-slug", key];
            assert!(meaning::expected(&path).is_some(), "{path:?}");
        }
    }

    #[test]
    fn suggestions() {
        let schema = schema().expect("schema");
        let known = schema.keys();
        let hint = |path: &[&str]| {
            let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
            let table = &path[..path.len() - 1];
            let own: Vec<&str> = known
                .iter()
                .filter(|(t, _)| t.as_slice() == table)
                .map(|(_, k)| *k)
                .collect();
            suggestion(&path, &own, &known)
        };
        assert_eq!(
            hint(&["site", "max_items"]),
            "; did you mean [feeds] items?"
        );
        assert_eq!(
            hint(&["http", "max_file_size"]),
            "; did you mean max_file_size (top level)?"
        );
        assert_eq!(
            hint(&["watch", "debounce"]),
            "; did you mean [watch] debounce_ms?"
        );
        assert_eq!(hint(&["site", "tilte"]), "; did you mean [site] title?");
        assert_eq!(hint(&["site", "colour"]), "");
    }

    #[test]
    fn snippet_of_a_multibyte_line() {
        let text = "[site]\ntitle = \"Bản tin\"\nx = 1\n";
        let at = text.find("x =").unwrap();
        let p = place_of(text, at..at + 1);
        assert_eq!((p.line, p.column), (3, 1));
        assert_eq!(p.snippet, "  |\n3 | x = 1\n  | ^");
        let at = text.find("tin").unwrap();
        let p = place_of(text, at..at + 3);
        assert_eq!((p.line, p.column), (2, 14));
    }
}
