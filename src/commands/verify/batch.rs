//! Streaming batch verification: one token per line in, one result line per token out, in input
//! order, with memory that does not grow with the number of tokens.
//!
//! A reader thread cuts the input into chunks of lines (sent as soon as the input would block, so
//! a token that arrives alone is verified at once), a pool of worker threads (one per core)
//! verifies each chunk into its output lines, and the calling thread writes the chunks in input
//! order. At most [`WINDOW`] chunks are between the reader and the writer at any time (read, being
//! verified, or waiting for an earlier chunk), so memory is bounded by the window, not the batch.
//!
//! Per token, the work is: parse the compact JWS once, look the signature result up in a small
//! per-worker memo keyed by the token's bytes (so repeated tokens skip the crypto), else check it
//! with keys parsed once for the batch, then evaluate the claims at `--now` and append the line.
//! The keys are loaded on first need: a batch of non-tokens never touches the network.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, RandomState};
use std::io::{BufRead, BufReader, Read, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};
use std::sync::{Arc, Mutex};

use super::{Item, KeySource, batch_line, discovery_warning};
use crate::claims::Expectations;
use crate::error::{Error, Result};
use crate::keyring::KeyRing;
use crate::oidc::{self, FetchOptions};
use crate::output;
use crate::signature::{PreparedKeys, SigOutcome};
use crate::token::{self, FormatError, HeaderMemo, Jwt, MAX_TOKEN_BYTES};

/// Longest input line kept: a token at the parser's limit plus room for `Bearer `, quotes and
/// blanks. A longer line is a failed result (its bytes are counted, not stored).
pub const MAX_LINE_BYTES: usize = MAX_TOKEN_BYTES + 1024;
/// Lines per chunk at most (fewer when the input pauses).
const CHUNK_LINES: usize = 256;
/// Bytes of token text per chunk at most (a chunk of long tokens is sent sooner).
const CHUNK_BYTES: usize = 256 * 1024;
/// Chunks between the reader and the writer at most, per worker.
const WINDOW_PER_WORKER: usize = 4;
/// Input buffer of the reader.
const READ_BUFFER: usize = 64 * 1024;
/// Lines the head of the input may have before it is taken as a batch without two token lines.
const HEAD_LINES: usize = 64;
/// Signature results each worker remembers (by token bytes), and the bytes of tokens it keeps.
const MEMO_ENTRIES: usize = 1024;
const MEMO_BYTES: usize = 2 * 1024 * 1024;
/// Bytes at the end of a token that the memo hashes.
const HASH_TAIL: usize = 24;

// ---------------------------------------------------------------------------------------------
// Input: bounded lines

/// One line of input as read: its text, or why it has none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// The line's text (without the line break).
    Text(String),
    /// Longer than [`MAX_LINE_BYTES`]: how many bytes it had.
    TooLong(u64),
    /// Not UTF-8.
    NotUtf8,
}

/// Reads lines of at most [`MAX_LINE_BYTES`] from a stream, whatever its size.
pub struct LineReader<R> {
    inner: BufReader<R>,
    line: usize,
    buf: Vec<u8>,
}

impl<R: Read> LineReader<R> {
    /// A reader over `r`.
    pub fn new(r: R) -> Self {
        LineReader {
            inner: BufReader::with_capacity(READ_BUFFER, r),
            line: 0,
            buf: Vec::new(),
        }
    }

    /// True when the next read would wait for the source (nothing buffered).
    fn drained(&self) -> bool {
        self.inner.buffer().is_empty()
    }

    /// The next line and its 1-based number; `None` at the end of the input.
    pub fn next_line(&mut self) -> std::io::Result<Option<(usize, Line)>> {
        let mut text = String::new();
        Ok(self
            .next_into(&mut text)?
            .map(|(n, why)| (n, why.unwrap_or(Line::Text(text)))))
    }

    /// The next line's number, its text appended to `out` (no copy of its own) or, when it has
    /// none, the [`Line`] that says why; `None` at the end of the input.
    fn next_into(&mut self, out: &mut String) -> std::io::Result<Option<(usize, Option<Line>)>> {
        let Some((n, total)) = self.read_raw()? else {
            return Ok(None);
        };
        if total > MAX_LINE_BYTES as u64 {
            return Ok(Some((n, Some(Line::TooLong(total)))));
        }
        Ok(Some(match std::str::from_utf8(&self.buf) {
            Ok(s) => {
                out.push_str(s);
                (n, None)
            }
            Err(_) => (n, Some(Line::NotUtf8)),
        }))
    }

    /// Reads the next line into `buf` (at most [`MAX_LINE_BYTES`] of it, without the line
    /// break); its number and its full length.
    fn read_raw(&mut self) -> std::io::Result<Option<(usize, u64)>> {
        self.buf.clear();
        let mut total: u64 = 0;
        let mut any = false;
        loop {
            let avail = match self.inner.fill_buf() {
                Ok(a) => a,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if avail.is_empty() {
                if !any {
                    return Ok(None);
                }
                break;
            }
            any = true;
            let (take, done) = match memchr::memchr(b'\n', avail) {
                Some(i) => (i, true),
                None => (avail.len(), false),
            };
            if self.buf.len() + take <= MAX_LINE_BYTES {
                self.buf.extend_from_slice(&avail[..take]);
            } else {
                self.buf.clear();
            }
            total += take as u64;
            self.inner.consume(take + usize::from(done));
            if done {
                break;
            }
        }
        self.line += 1;
        if self.buf.last() == Some(&b'\r') && total as usize == self.buf.len() {
            self.buf.pop();
            total -= 1;
        }
        Ok(Some((self.line, total)))
    }
}

impl Line {
    fn is_blank(&self) -> bool {
        matches!(self, Line::Text(s) if s.trim().is_empty())
    }
}

/// A stream of token lines, with the lines already read to decide that it is one.
pub struct Stream {
    head: Vec<(usize, Line)>,
    rest: LineReader<Box<dyn Read + Send>>,
}

/// What the start of an input says it is.
pub enum Sniffed {
    /// Lines of tokens: verify them as a batch.
    Batch(Stream),
    /// Everything there was (one token, a JSON bundle, or nothing), as text.
    Whole(String),
}

/// Reads the head of `r` to tell a batch (two lines that look like tokens among the first
/// [`HEAD_LINES`]) from one token or a JSON bundle, which is then read whole (at most
/// `max_whole` bytes, as before batches streamed). `what` names the input in messages.
pub fn sniff(r: Box<dyn Read + Send>, what: &str, max_whole: u64) -> Result<Sniffed> {
    let read_err = |e: std::io::Error| Error::input(format!("cannot read {what}: {e}"), None);
    let mut rest = LineReader::new(r);
    let mut head: Vec<(usize, Line)> = Vec::new();
    let mut tokens = 0;
    let mut lines = 0;
    while let Some((n, line)) = rest.next_line().map_err(read_err)? {
        if line.is_blank() {
            head.push((n, line));
            continue;
        }
        lines += 1;
        if lines == 1
            && let Line::Text(t) = &line
            && t.trim_start().starts_with('{')
        {
            // A JSON bundle spans lines: read it whole.
            head.push((n, line));
            return whole(head, rest, what, max_whole).map(Sniffed::Whole);
        }
        if let Line::Text(t) = &line
            && super::looks_like_jwt(t)
        {
            tokens += 1;
        }
        head.push((n, line));
        if tokens >= 2 || lines >= HEAD_LINES {
            return Ok(Sniffed::Batch(Stream { head, rest }));
        }
    }
    // The end came first: a batch only if the lines are several and two look like tokens, as
    // when the whole input was read first.
    if lines > 1 && tokens >= 2 {
        return Ok(Sniffed::Batch(Stream { head, rest }));
    }
    if lines > 1 && head.iter().any(|(_, l)| matches!(l, Line::TooLong(_))) {
        return Ok(Sniffed::Batch(Stream { head, rest }));
    }
    if let Some((n, Line::TooLong(b))) = head.iter().find(|(_, l)| !l.is_blank()) {
        return Ok(Sniffed::Batch(Stream {
            head: vec![(*n, Line::TooLong(*b))],
            rest,
        }));
    }
    whole(head, rest, what, max_whole).map(Sniffed::Whole)
}

/// The head lines and the rest of the input, as one text.
fn whole(
    head: Vec<(usize, Line)>,
    mut rest: LineReader<Box<dyn Read + Send>>,
    what: &str,
    max: u64,
) -> Result<String> {
    let mut bytes = Vec::new();
    for (_, l) in head {
        match l {
            Line::Text(t) => bytes.extend_from_slice(t.as_bytes()),
            // Not text: the UTF-8 check below refuses the input as before.
            Line::NotUtf8 => bytes.push(0xff),
            Line::TooLong(_) => {}
        }
        bytes.push(b'\n');
    }
    rest.inner
        .by_ref()
        .take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::input(format!("cannot read {what}: {e}"), None))?;
    if bytes.len() as u64 > max {
        return Err(Error::input(
            format!("{what} holds more than {} MiB", max / 1024 / 1024),
            Some("give one token, or one token per line for a batch".to_string()),
        ));
    }
    String::from_utf8(bytes).map_err(|_| Error::input(format!("{what} is not UTF-8 text"), None))
}

/// The tokens of a batch: a stream, or tokens already in hand (arguments).
pub enum Input {
    /// Read from a stream as it comes.
    Stream(Stream),
    /// Given as arguments.
    Items(Vec<Item>),
}

// ---------------------------------------------------------------------------------------------
// The pipeline

/// What a batch is checked against; keys come later, on first need.
pub struct Context {
    /// Where the keys come from.
    pub source: KeySource,
    /// How they are fetched.
    pub fetch: FetchOptions,
    /// The expectations from the flags (the issuer is filled in when the keys are loaded).
    pub expect: Expectations,
    /// The time the checks are evaluated at.
    pub now: i64,
    /// JSON lines instead of text lines.
    pub json: bool,
    /// No summary line.
    pub quiet: bool,
    /// How text lines and messages are colored.
    pub palette: output::Palette,
}

/// One entry of a chunk: a line number and where its text is in the chunk, or why it has none.
enum Entry {
    Text {
        line: usize,
        start: usize,
        end: usize,
    },
    Bad {
        line: usize,
        why: Line,
    },
}

/// Consecutive lines, numbered in input order by `seq`.
struct Chunk {
    seq: u64,
    text: String,
    entries: Vec<Entry>,
}

/// A verified chunk: its output lines and counts.
struct Done {
    seq: u64,
    text: String,
    lines: usize,
    refused: usize,
}

/// The keys once loaded (a [`KeyRing`]: its refetch policy, its generation), with the
/// expectations that depend on them.
struct Loaded {
    ring: KeyRing,
    expect: Arc<Expectations>,
}

/// The keys of the batch: loaded by the first worker that needs them, fetched again at most once.
struct Keys {
    ctx: Arc<Context>,
    state: Mutex<KeyState>,
}

#[derive(Default)]
struct KeyState {
    loaded: Option<Loaded>,
    /// Loading failed: the batch stops with this error.
    failed: bool,
}

/// What a worker uses of the keys for a while.
#[derive(Clone)]
struct View {
    prepared: Arc<PreparedKeys>,
    expect: Arc<Expectations>,
    generation: u32,
}

/// Shared between the threads: the first fatal error, and whether to stop.
struct Shared {
    stop: AtomicBool,
    error: Mutex<Option<Error>>,
    /// A failed refetch: reported at the end, the tokens keep their unknown-kid result.
    late_error: Mutex<Option<Error>>,
}

impl Shared {
    fn fail(&self, e: Error) {
        if let Ok(mut slot) = self.error.lock()
            && slot.is_none()
        {
            *slot = Some(e);
        }
        self.stop.store(true, Ordering::SeqCst);
    }
}

impl Keys {
    fn view_of(l: &Loaded) -> View {
        View {
            prepared: l.ring.prepared().clone(),
            expect: l.expect.clone(),
            generation: l.ring.generation(),
        }
    }

    /// The keys if loaded, without loading them.
    fn current(&self) -> Option<View> {
        let s = self.state.lock().ok()?;
        s.loaded.as_ref().map(Keys::view_of)
    }

    /// The keys, loading them now if needed. `None` when loading failed (the error is in `shared`).
    fn get(&self, shared: &Shared) -> Option<View> {
        let mut s = self.state.lock().ok()?;
        if let Some(l) = &s.loaded {
            return Some(Keys::view_of(l));
        }
        if s.failed {
            return None;
        }
        match self.ctx.source.keys(&self.ctx.fetch) {
            Ok(keys) => {
                let mut expect = self.ctx.expect.clone();
                let (issuer, from) = self.ctx.source.expected_issuer(&keys);
                expect.issuer = issuer;
                expect.issuer_source = from;
                expect.discovery_warning = discovery_warning(&self.ctx.source, &keys);
                let loaded = Loaded {
                    ring: KeyRing::new(keys),
                    expect: Arc::new(expect),
                };
                let v = Keys::view_of(&loaded);
                s.loaded = Some(loaded);
                Some(v)
            }
            Err(e) => {
                s.failed = true;
                shared.fail(e);
                None
            }
        }
    }

    /// After an unknown kid with keys of generation `seen`: fetches the JWKS once more as the
    /// ring's policy allows (keys from the network, at most once per
    /// [`REFETCH_INTERVAL`](crate::keyring::REFETCH_INTERVAL)), unless another worker already
    /// did, and returns the keys to check again with, if newer.
    fn refetch(&self, seen: u32, shared: &Shared) -> Option<View> {
        let mut s = self.state.lock().ok()?;
        let l = s.loaded.as_mut()?;
        if l.ring.generation() == seen
            && let Err(e) = oidc::block_on(l.ring.refetch(&self.ctx.fetch))
            && let Ok(mut slot) = shared.late_error.lock()
            && slot.is_none()
        {
            *slot = Some(e);
        }
        (l.ring.generation() != seen).then(|| Keys::view_of(l))
    }
}

/// Signature results by token bytes, bounded in entries and bytes: two generations, the older
/// dropped when the newer is full (an approximate LRU without per-hit bookkeeping).
struct Memo {
    hasher: RandomState,
    young: MemoGen,
    old: MemoGen,
}

/// A hasher for keys that are already hashes (the memo's, drawn with a random seed): the key's
/// bits as they are, instead of SipHash over them a second time.
#[derive(Default)]
struct Prehashed(u64);

impl std::hash::Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only u64 keys are hashed here; fold anything else in rather than lose it.
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
}

#[derive(Default)]
struct MemoGen {
    /// Hash of the token → (start, end) in `bytes`, keys generation, outcome.
    map: HashMap<u64, (usize, usize, u32, SigOutcome), std::hash::BuildHasherDefault<Prehashed>>,
    bytes: Vec<u8>,
}

impl MemoGen {
    fn find(&self, h: u64, token: &[u8], generation: u32) -> Option<&SigOutcome> {
        let (s, e, g, o) = self.map.get(&h)?;
        (*g == generation && &self.bytes[*s..*e] == token).then_some(o)
    }
}

impl Memo {
    fn new() -> Self {
        Memo {
            hasher: RandomState::new(),
            young: MemoGen::default(),
            old: MemoGen::default(),
        }
    }

    /// The memo's hash of a token: its length and its last [`HASH_TAIL`] bytes, the end of the
    /// signature, which differs between any two tokens an issuer signed. Tokens crafted to share
    /// a tail only miss the memo (the whole token is compared before a hit), and hashing a few
    /// bytes instead of the whole token is a measurable share of a batch.
    fn hash(&self, token: &[u8]) -> u64 {
        self.hasher
            .hash_one((token.len(), &token[token.len().saturating_sub(HASH_TAIL)..]))
    }

    /// The remembered outcome of `token` checked with keys of `generation` (an entry of the
    /// older generation moves to the younger one).
    fn lookup(&mut self, token: &[u8], generation: u32) -> Option<&SigOutcome> {
        let h = self.hash(token);
        if self.young.find(h, token, generation).is_none() {
            let o = self.old.find(h, token, generation)?.clone();
            self.put_hashed(h, token, generation, o);
        }
        self.young.find(h, token, generation)
    }

    /// The remembered outcome, without moving it.
    fn peek(&self, token: &[u8], generation: u32) -> Option<&SigOutcome> {
        let h = self.hash(token);
        self.young
            .find(h, token, generation)
            .or_else(|| self.old.find(h, token, generation))
    }

    /// Remembers `o`; gives it back when the token is too long to keep.
    fn insert(&mut self, token: &[u8], generation: u32, o: SigOutcome) -> Option<SigOutcome> {
        if token.len() > MEMO_BYTES / 64 {
            return Some(o);
        }
        let h = self.hash(token);
        self.put_hashed(h, token, generation, o);
        None
    }

    #[cfg(test)]
    fn get(&mut self, token: &[u8], generation: u32) -> Option<SigOutcome> {
        self.lookup(token, generation).cloned()
    }

    #[cfg(test)]
    fn put(&mut self, token: &[u8], generation: u32, o: SigOutcome) {
        let _ = self.insert(token, generation, o);
    }

    fn put_hashed(&mut self, h: u64, token: &[u8], generation: u32, o: SigOutcome) {
        if token.len() > MEMO_BYTES / 64 {
            return;
        }
        if self.young.map.len() >= MEMO_ENTRIES / 2
            || self.young.bytes.len() + token.len() > MEMO_BYTES / 2
        {
            std::mem::swap(&mut self.young, &mut self.old);
            self.young.map.clear();
            self.young.bytes.clear();
        }
        let start = self.young.bytes.len();
        self.young.bytes.extend_from_slice(token);
        self.young
            .map
            .insert(h, (start, self.young.bytes.len(), generation, o));
    }
}

/// The result line of a line that is not text. A line too long is worded as
/// [`Jwt::parse`] words a token too long: for a lone token (stdin, `@FILE`) the two are the same.
fn bad_line(why: &Line) -> FormatError {
    FormatError {
        message: match why {
            Line::TooLong(n) => format!(
                "the token is {n} bytes, over the {} KiB limit",
                MAX_TOKEN_BYTES / 1024
            ),
            Line::NotUtf8 => "the line is not UTF-8 text".to_string(),
            Line::Text(_) => String::new(),
        },
    }
}

/// Verifies one chunk into its output lines.
fn verify_chunk(
    c: Chunk,
    keys: &Keys,
    shared: &Shared,
    memo: &mut Memo,
    headers: &mut HeaderMemo,
) -> Done {
    let ctx = &keys.ctx;
    let mut out = String::with_capacity(c.entries.len() * if ctx.json { 1024 } else { 160 });
    let mut refused = 0;
    let mut view = keys.current();
    for e in &c.entries {
        let (line, parsed) = match e {
            Entry::Text { line, start, end } => (
                *line,
                Jwt::parse_with(&clean(&c.text[*start..*end]), headers),
            ),
            Entry::Bad { line, why } => (*line, Err(bad_line(why))),
        };
        // The signature outcome: in the memo (no copy), or here when the memo does not keep it.
        let mut owned: Option<SigOutcome> = None;
        let mut memo_gen = None;
        if let Ok(jwt) = &parsed {
            if view.is_none() {
                view = keys.get(shared);
            }
            if let Some(v) = &view {
                let raw = jwt.raw.as_bytes();
                let generation = v.generation;
                if memo.lookup(raw, generation).is_none() {
                    owned = memo.insert(raw, generation, v.prepared.check(jwt));
                }
                let is_unknown = matches!(
                    owned.as_ref().or_else(|| memo.peek(raw, generation)),
                    Some(SigOutcome::UnknownKid { .. })
                );
                memo_gen = Some(generation);
                if is_unknown && let Some(newer) = keys.refetch(generation, shared) {
                    let o = newer.prepared.check(jwt);
                    let _ = memo.insert(raw, newer.generation, o.clone());
                    owned = Some(o);
                    view = Some(newer);
                }
            }
        }
        let sig = match (&owned, &parsed, memo_gen) {
            (Some(o), _, _) => Some(o),
            (None, Ok(jwt), Some(g)) => memo.peek(jwt.raw.as_bytes(), g),
            _ => None,
        };
        let expect = view.as_ref().map_or(&ctx.expect, |v| &*v.expect);
        if !batch_line(
            &parsed,
            sig,
            expect,
            ctx.now,
            line,
            ctx.json,
            ctx.palette,
            &mut out,
        ) {
            refused += 1;
        }
        out.push('\n');
    }
    Done {
        seq: c.seq,
        text: out,
        lines: c.entries.len(),
        refused,
    }
}

/// `token::clean` without the copy when there is nothing to clean (the usual case in a batch).
fn clean(s: &str) -> std::borrow::Cow<'_, str> {
    // Without an early exit, so the compiler compares many bytes at once.
    let plain = !s.is_empty()
        && s.bytes().fold(true, |ok, b| {
            ok & (b.is_ascii_alphanumeric() | (b == b'-') | (b == b'_') | (b == b'.') | (b == b'='))
        });
    if plain {
        std::borrow::Cow::Borrowed(s)
    } else {
        std::borrow::Cow::Owned(token::clean(s))
    }
}

/// Cuts the input into chunks and sends them, waiting for a permit before each.
fn read_loop(
    input: Input,
    chunks: SyncSender<Chunk>,
    permits: Receiver<()>,
    shared: Arc<Shared>,
    what: String,
) {
    let mut seq = 0;
    let mut chunk = Chunk {
        seq,
        text: String::new(),
        entries: Vec::new(),
    };
    let mut send = |chunk: &mut Chunk| -> bool {
        if chunk.entries.is_empty() {
            return true;
        }
        if permits.recv().is_err() || shared.stop.load(Ordering::SeqCst) {
            return false;
        }
        seq += 1;
        let full = std::mem::replace(
            chunk,
            Chunk {
                seq,
                text: String::with_capacity(chunk.text.capacity()),
                entries: Vec::with_capacity(CHUNK_LINES),
            },
        );
        chunks.send(full).is_ok()
    };
    let add = |chunk: &mut Chunk, n: usize, line: Line| match line {
        Line::Text(t) => {
            let start = chunk.text.len();
            chunk.text.push_str(&t);
            chunk.entries.push(Entry::Text {
                line: n,
                start,
                end: chunk.text.len(),
            });
        }
        why => chunk.entries.push(Entry::Bad { line: n, why }),
    };
    let full = |c: &Chunk| c.entries.len() >= CHUNK_LINES || c.text.len() >= CHUNK_BYTES;
    match input {
        Input::Items(items) => {
            for it in items {
                add(&mut chunk, it.line, Line::Text(it.text));
                if full(&chunk) && !send(&mut chunk) {
                    return;
                }
            }
        }
        Input::Stream(Stream { head, mut rest }) => {
            for (n, line) in head {
                if !line.is_blank() {
                    add(&mut chunk, n, line);
                }
                if full(&chunk) && !send(&mut chunk) {
                    return;
                }
            }
            loop {
                if rest.drained() && !send(&mut chunk) {
                    return;
                }
                let start = chunk.text.len();
                match rest.next_into(&mut chunk.text) {
                    Ok(Some((n, None))) => {
                        // The line's text is in the chunk already: keep it unless blank.
                        if chunk.text[start..].trim().is_empty() {
                            chunk.text.truncate(start);
                        } else {
                            chunk.entries.push(Entry::Text {
                                line: n,
                                start,
                                end: chunk.text.len(),
                            });
                        }
                        if full(&chunk) && !send(&mut chunk) {
                            return;
                        }
                    }
                    Ok(Some((n, Some(why)))) => {
                        add(&mut chunk, n, why);
                        if full(&chunk) && !send(&mut chunk) {
                            return;
                        }
                    }
                    Ok(None) => break,
                    Err(e) => {
                        shared.fail(Error::input(format!("cannot read {what}: {e}"), None));
                        return;
                    }
                }
            }
        }
    }
    send(&mut chunk);
}

/// Writes the chunks' lines to stdout in input order as they complete, flushing whenever no
/// finished chunk is waiting (so a lone token's line goes out at once), and hands the reader a
/// permit per chunk written. Returns the number of tokens and of refused ones.
fn write_in_order(
    done_rx: &Receiver<Done>,
    permit_tx: &SyncSender<()>,
    p: output::Palette,
) -> std::io::Result<(usize, usize)> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(64 * 1024, stdout.lock());
    let mut waiting: BTreeMap<u64, Done> = BTreeMap::new();
    let mut next = 0u64;
    let (mut total, mut refused) = (0usize, 0usize);
    loop {
        let done = match done_rx.try_recv() {
            Ok(d) => d,
            Err(TryRecvError::Empty) => {
                out.flush()?;
                match done_rx.recv() {
                    Ok(d) => d,
                    Err(_) => break,
                }
            }
            Err(TryRecvError::Disconnected) => break,
        };
        waiting.insert(done.seq, done);
        while let Some(d) = waiting.remove(&next) {
            out.write_all(output::sanitize(&d.text, p).as_bytes())?;
            total += d.lines;
            refused += d.refused;
            next += 1;
            // The reader may have stopped: then nobody needs the permit.
            let _ = permit_tx.send(());
        }
    }
    out.flush()?;
    Ok((total, refused))
}

/// Verifies a batch and writes its lines in input order; returns the exit code.
pub fn run(input: Input, ctx: Context, what: &str) -> Result<u8> {
    let ctx = Arc::new(ctx);
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 16);
    let window = workers * WINDOW_PER_WORKER;
    let shared = Arc::new(Shared {
        stop: AtomicBool::new(false),
        error: Mutex::new(None),
        late_error: Mutex::new(None),
    });
    let keys = Arc::new(Keys {
        ctx: ctx.clone(),
        state: Mutex::new(KeyState::default()),
    });
    // Keys first when the batch starts with a token, so a key failure comes before any line.
    if let Input::Stream(s) = &input
        && s.head
            .iter()
            .any(|(_, l)| matches!(l, Line::Text(t) if Jwt::parse(&token::clean(t)).is_ok()))
        && keys.get(&shared).is_none()
    {
        return Err(take_error(&shared.error).unwrap_or_else(lost));
    }

    let (chunk_tx, chunk_rx) = sync_channel::<Chunk>(window);
    let (done_tx, done_rx) = sync_channel::<Done>(window);
    let (permit_tx, permit_rx) = sync_channel::<()>(window);
    for _ in 0..window {
        // The receiver is alive and the channel has room for every permit.
        let _ = permit_tx.send(());
    }
    {
        let shared = shared.clone();
        let what = what.to_string();
        // Not joined: on a fatal error it may be waiting for input that never comes.
        std::thread::spawn(move || read_loop(input, chunk_tx, permit_rx, shared, what));
    }
    let chunk_rx = Arc::new(Mutex::new(chunk_rx));
    let mut pool = Vec::with_capacity(workers);
    for _ in 0..workers {
        let (chunk_rx, done_tx, keys, shared) = (
            chunk_rx.clone(),
            done_tx.clone(),
            keys.clone(),
            shared.clone(),
        );
        pool.push(std::thread::spawn(move || {
            let mut memo = Memo::new();
            let mut headers = HeaderMemo::default();
            loop {
                let next = match chunk_rx.lock() {
                    Ok(rx) => rx.recv(),
                    Err(_) => break,
                };
                let Ok(chunk) = next else { break };
                if shared.stop.load(Ordering::SeqCst) {
                    break;
                }
                let done = verify_chunk(chunk, &keys, &shared, &mut memo, &mut headers);
                if done_tx.send(done).is_err() {
                    break;
                }
            }
        }));
    }
    drop(done_tx);

    let written = write_in_order(&done_rx, &permit_tx, ctx.palette);
    let (total, refused) = match written {
        Ok(counts) => counts,
        Err(e) => {
            // Stdout is gone (`| head -1`) or failing: nothing else is worth finishing. The
            // workers stop (their results have nowhere to go once this returns) and the input
            // thread is not waited for: it may be blocked on a stdin that never ends. `main`
            // reports the error as for any command (quietly for a closed pipe) and exits.
            shared.stop.store(true, Ordering::SeqCst);
            return Err(Error::Stdout(e));
        }
    };
    for w in pool {
        if let Err(p) = w.join() {
            // A panic in a worker is a bug; re-raise it rather than end as if all went well.
            std::panic::resume_unwind(p);
        }
    }
    if let Some(e) = take_error(&shared.error) {
        return Err(e);
    }
    if !ctx.quiet {
        output::note(
            ctx.palette,
            &format!(
                "tokdiag: {total} tokens: {} valid, {refused} refused",
                total - refused
            ),
        );
    }
    if let Some(e) = take_error(&shared.late_error) {
        return Err(e);
    }
    Ok(if refused == 0 { 0 } else { 1 })
}

fn take_error(slot: &Mutex<Option<Error>>) -> Option<Error> {
    slot.lock().ok().and_then(|mut s| s.take())
}

fn lost() -> Error {
    Error::input("the keys could not be loaded", None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8]) -> Vec<(usize, Line)> {
        let mut r = LineReader::new(input);
        let mut out = Vec::new();
        while let Some(l) = r.next_line().unwrap() {
            out.push(l);
        }
        out
    }

    #[test]
    fn lines_are_bounded_numbered_and_checked() {
        let mut input = b"a\r\n\nb".to_vec();
        input.push(b'\n');
        input.extend(std::iter::repeat_n(b'x', MAX_LINE_BYTES + 1));
        input.extend(b"\n\xff\xfe\nlast");
        assert_eq!(
            lines(&input),
            [
                (1, Line::Text("a".into())),
                (2, Line::Text(String::new())),
                (3, Line::Text("b".into())),
                (4, Line::TooLong(MAX_LINE_BYTES as u64 + 1)),
                (5, Line::NotUtf8),
                (6, Line::Text("last".into())),
            ]
        );
        // Exactly at the limit is kept.
        let at = vec![b'y'; MAX_LINE_BYTES];
        assert_eq!(lines(&at), [(1, Line::Text("y".repeat(MAX_LINE_BYTES)))]);
        assert_eq!(lines(b""), []);
    }

    #[test]
    fn memo_is_bounded_and_exact() {
        let mut m = Memo::new();
        let o = SigOutcome::Invalid { reason: "x".into() };
        m.put(b"t1", 0, o.clone());
        assert_eq!(m.get(b"t1", 0), Some(o.clone()));
        assert_eq!(m.get(b"t1", 1), None, "other keys generation");
        assert_eq!(m.get(b"t2", 0), None);
        for i in 0..10 * MEMO_ENTRIES {
            m.put(format!("tok-{i}").as_bytes(), 0, o.clone());
        }
        assert!(m.young.map.len() + m.old.map.len() <= MEMO_ENTRIES);
        assert!(m.young.bytes.len() + m.old.bytes.len() <= MEMO_BYTES);
        assert_eq!(m.get(b"t1", 0), None, "evicted");
        let last = format!("tok-{}", 10 * MEMO_ENTRIES - 1);
        assert_eq!(m.get(last.as_bytes(), 0), Some(o));
    }
}
