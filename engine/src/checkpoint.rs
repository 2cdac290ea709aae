//! Checkpoints: the state of a run at a round boundary, written atomically by the
//! coordinator, and resumed by every process of a later run.
//!
//! **When.** With [`Checkpointing`] in the [`crate::RunConfig`], the coordinator marks the
//! message that carries round `t + 1`'s task once [`Checkpointing::every`] has passed since the
//! last checkpoint (or when [`Checkpointing::terminate`] is raised, e.g. by SIGTERM). It saves
//! the coordinator's state (after the pull of round `t` and the scatter of round `t + 1`) and
//! the scheduler's (after it scheduled round `t + 1`); each worker saves its state after its
//! private part and the sync of round `t`, before it pushes round `t + 1`, and sends it with its
//! partial. The file is written when every worker's state has arrived.
//!
//! **Resume.** Every process builds its role states from the data as usual; the engine then
//! restores them from the file (each worker rank reads the file itself, so the checkpoint
//! directory must be on a file system every rank sees, as the data is) and continues with
//! round `t + 1`'s task. A resumed run performs exactly the calls of the uninterrupted run from
//! round `t + 1` on, so with apps whose save/restore is exact it writes the same model bits.
//!
//! **File.** `DIR/checkpoint.bin`: 8 magic bytes, a format version, the body length, the
//! body (bincode) and its CRC-32; written to `DIR/checkpoint.bin.tmp`, synced, then renamed,
//! so a killed run leaves the previous checkpoint whole. A file of another run (another app,
//! data file, parameter or worker count: the *fingerprint*) is refused, naming what differs;
//! so is a truncated or corrupt one.
//!
//! Supported with staleness 0 and the scheduler on the coordinator's process; the app
//! implements [`crate::App::save_scheduler`] and its five siblings.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Where and how often a run writes checkpoints.
#[derive(Debug, Clone)]
pub struct Checkpointing {
    /// The directory of `checkpoint.bin` (created if missing).
    pub dir: PathBuf,
    /// Wall time between checkpoints (zero: at every round boundary).
    pub every: Duration,
    /// When raised, the run writes a checkpoint at the next round boundary and stops with
    /// [`Error::Terminated`]. While a run with checkpoints is running, SIGTERM (what Slurm sends
    /// at the time limit) raises it instead of ending the process (see [`SigtermGuard`]).
    pub terminate: Arc<AtomicBool>,
}

impl PartialEq for Checkpointing {
    fn eq(&self, other: &Self) -> bool {
        self.dir == other.dir && self.every == other.every && Arc::ptr_eq(&self.terminate, &other.terminate)
    }
}

impl Checkpointing {
    pub(crate) fn terminating(&self) -> bool {
        self.terminate.load(Ordering::Relaxed)
    }
}

/// SIGTERM raises [`Checkpointing::terminate`] while this lives: from the start of a run
/// with checkpoints to its end. signal-hook cannot give the default action back, so after
/// such a run the process ignores SIGTERM (the command line exits right after its outputs).
pub(crate) struct SigtermGuard(Option<signal_hook::SigId>);

impl SigtermGuard {
    /// Registers the handler when `checkpoint` is set.
    pub(crate) fn new(checkpoint: Option<&Checkpointing>) -> Result<Self> {
        let Some(ck) = checkpoint else { return Ok(Self(None)) };
        signal_hook::flag::register(signal_hook::consts::SIGTERM, Arc::clone(&ck.terminate))
            .map(|id| Self(Some(id)))
            .map_err(|e| Error::Checkpoint(format!("cannot handle SIGTERM: {e}")))
    }
}

impl Drop for SigtermGuard {
    fn drop(&mut self) {
        if let Some(id) = self.0.take() {
            signal_hook::low_level::unregister(id);
        }
    }
}

/// What identifies the run a checkpoint belongs to, as `(what, value)` pairs (for example
/// `("app", "lda")`, `("data", "/path/file (1234 bytes)")`, `("--topics", "100")`); the engine
/// adds the worker count.
pub type Fingerprint = Vec<(String, String)>;

/// The file name inside the checkpoint directory.
pub const FILE: &str = "checkpoint.bin";
const MAGIC: &[u8; 8] = b"STRADSCK";
const VERSION: u32 = 1;

/// The state of a run at a round boundary.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct Snapshot {
    pub(crate) fingerprint: Fingerprint,
    /// The round to run next (its task is `next_task`).
    pub(crate) round: u64,
    pub(crate) updates: u64,
    pub(crate) elapsed_s: f64,
    pub(crate) next_task: Vec<u8>,
    pub(crate) scheduler: Vec<u8>,
    pub(crate) coordinator: Vec<u8>,
    /// One state per worker, in worker order.
    pub(crate) workers: Vec<Vec<u8>>,
}

/// The checkpoint file of `dir`.
pub fn path(dir: &Path) -> PathBuf {
    dir.join(FILE)
}

/// Writes `snap` to `dir` atomically (temporary file, sync, rename).
pub(crate) fn write(dir: &Path, snap: &Snapshot) -> Result<PathBuf> {
    let fail = |what: &str, e: std::io::Error| Error::Checkpoint(format!("{what} {}: {e}", dir.display()));
    fs::create_dir_all(dir).map_err(|e| fail("cannot create the checkpoint directory", e))?;
    let body = bincode::serialize(snap).map_err(|e| Error::Checkpoint(format!("cannot encode a checkpoint: {e}")))?;
    let tmp = dir.join(format!("{FILE}.tmp"));
    let target = path(dir);
    let res = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(MAGIC)?;
        f.write_all(&VERSION.to_le_bytes())?;
        f.write_all(&(body.len() as u64).to_le_bytes())?;
        f.write_all(&body)?;
        f.write_all(&crc32fast::hash(&body).to_le_bytes())?;
        f.sync_all()?;
        fs::rename(&tmp, &target)
    })();
    if let Err(e) = res {
        let _ = fs::remove_file(&tmp);
        return Err(fail("cannot write a checkpoint in", e));
    }
    Ok(target)
}

/// Reads the checkpoint of `dir` and checks that it belongs to a run with `fingerprint`.
///
/// # Errors
/// [`Error::Checkpoint`] naming the file when it is missing, not a checkpoint, of another
/// format version, truncated, corrupt (checksum or decoding), or of another run (naming
/// the first entry of the fingerprint that differs, with both values).
pub(crate) fn read(dir: &Path, fingerprint: &Fingerprint) -> Result<Snapshot> {
    let file = path(dir);
    let name = file.display();
    let bytes = fs::read(&file).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::Checkpoint(format!("no checkpoint to resume: {name} does not exist")),
        _ => Error::Checkpoint(format!("cannot read {name}: {e}")),
    })?;
    let bad = |what: String| Error::Checkpoint(format!("{name}: {what}; not resumed"));
    if bytes.len() < 20 || &bytes[..8] != MAGIC {
        return Err(bad("not a strads checkpoint".into()));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != VERSION {
        return Err(bad(format!("checkpoint format {version}, this build reads format {VERSION}")));
    }
    let len = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes"));
    let want = 20 + len as u128 + 4;
    if (bytes.len() as u128) != want {
        return Err(bad(format!("truncated or padded: {} bytes, the header announces {want}", bytes.len())));
    }
    let body = &bytes[20..bytes.len() - 4];
    let crc = u32::from_le_bytes(bytes[bytes.len() - 4..].try_into().expect("4 bytes"));
    if crc32fast::hash(body) != crc {
        return Err(bad("corrupt (checksum mismatch)".into()));
    }
    let snap: Snapshot = bincode::deserialize(body).map_err(|e| bad(format!("corrupt ({e})")))?;
    for (key, now) in fingerprint {
        let then = snap.fingerprint.iter().find(|(k, _)| k == key).map_or("(not set)", |(_, v)| v.as_str());
        if then != now {
            return Err(bad(format!("it was written by a run with {key} = {then}, this run has {key} = {now}")));
        }
    }
    if let Some((key, then)) = snap.fingerprint.iter().find(|(k, _)| !fingerprint.iter().any(|(k2, _)| k2 == k)) {
        return Err(bad(format!("it was written by a run with {key} = {then}, this run has {key} unset")));
    }
    Ok(snap)
}

/// Encodes a task for a snapshot.
pub(crate) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    save_state(value).map_err(|e| Error::Checkpoint(format!("cannot encode a checkpoint: {e}")))
}

/// Decodes a task of a snapshot.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    decode_state(bytes).map_err(|e| Error::Checkpoint(format!("corrupt checkpoint: {e}")))
}

/// Saves a role state with bincode: the body of an app's `save_*` methods for states that
/// are `Serialize` as a whole.
///
/// # Errors
/// The encoding error, boxed.
pub fn save_state<T: Serialize>(state: &T) -> std::result::Result<Vec<u8>, crate::AppError> {
    Ok(bincode::serialize(state)?)
}

/// Decodes a value saved by [`save_state`] (for states restored field by field).
///
/// # Errors
/// The decoding error, boxed.
pub fn decode_state<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> std::result::Result<T, crate::AppError> {
    Ok(bincode::deserialize(bytes)?)
}

/// Restores a role state saved by [`save_state`], replacing `state`.
///
/// # Errors
/// The decoding error, boxed.
pub fn restore_state<T: serde::de::DeserializeOwned>(
    state: &mut T,
    bytes: &[u8],
) -> std::result::Result<(), crate::AppError> {
    *state = decode_state(bytes)?;
    Ok(())
}

/// The checkpoint methods of [`crate::App`] for an app whose three role states are
/// `Serialize + Deserialize` as a whole (each saved with [`save_state`], restored with
/// [`restore_state`]): write `strads_engine::whole_state_checkpoints!();` inside
/// `impl App for …`.
#[macro_export]
macro_rules! whole_state_checkpoints {
    () => {
        fn checkpoints(&self) -> bool {
            true
        }
        fn save_scheduler(&self, s: &Self::Scheduler) -> Result<Vec<u8>, $crate::AppError> {
            $crate::checkpoint::save_state(s)
        }
        fn restore_scheduler(&self, s: &mut Self::Scheduler, b: &[u8]) -> Result<(), $crate::AppError> {
            $crate::checkpoint::restore_state(s, b)
        }
        fn save_coordinator(&self, c: &Self::Coordinator) -> Result<Vec<u8>, $crate::AppError> {
            $crate::checkpoint::save_state(c)
        }
        fn restore_coordinator(&self, c: &mut Self::Coordinator, b: &[u8]) -> Result<(), $crate::AppError> {
            $crate::checkpoint::restore_state(c, b)
        }
        fn save_worker(&self, w: &Self::Worker) -> Result<Vec<u8>, $crate::AppError> {
            $crate::checkpoint::save_state(w)
        }
        fn restore_worker(&self, w: &mut Self::Worker, b: &[u8]) -> Result<(), $crate::AppError> {
            $crate::checkpoint::restore_state(w, b)
        }
    };
}
