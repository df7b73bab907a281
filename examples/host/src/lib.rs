//! A Rust application's side of a rewal plugin: loads a plugin component
//! (the `event-log` world of `wit/plugin.wit`, built for `wasm32-wasip2`),
//! and runs each instance under wasmtime with one directory of its own
//! granted and nothing else: no other files, no network, no environment,
//! no arguments, no stdin; its stderr is kept for error messages.
//!
//! A plugin can be stopped at any point, as a sandbox stops a guest: by
//! its [`KillSwitch`] (epoch interruption) or by running out of the fuel
//! it was given ([`Limits::fuel`]). Either traps the guest wherever it is;
//! the instance is then dead, and a new one over the same directory
//! recovers the log.
//!
//! WASI has no file locks, and rewal's guard against a second open of a
//! log is per instance (one instance is one process, as far as the guest
//! can tell). So the host keeps the rule: one live plugin per directory.
//! [`Host::start`] refuses a directory that a live plugin of this host
//! holds; two hosts (or two processes) must not share directories either.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Config, Engine, Store, Trap, UpdateDeadline};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxView, WasiView};

mod bindings {
    wasmtime::component::bindgen!({
        path: "wit",
        world: "event-log",
        additional_derives: [PartialEq, Eq],
    });
}

pub use bindings::exports::rewal::plugin::ledger::{Balance, Event, Summary};

/// Where the granted directory appears inside the plugin.
pub const GUEST_DIR: &str = "/data";

/// How much of a plugin's stderr is kept (for error messages).
const STDERR_CAPACITY: usize = 64 * 1024;

/// What went wrong with a plugin.
#[derive(Debug)]
pub enum Error {
    /// The plugin answered with an error; its words.
    Plugin(String),
    /// The plugin was killed by its [`KillSwitch`].
    Killed,
    /// The plugin used up its fuel ([`Limits::fuel`]).
    OutOfFuel,
    /// The plugin trapped (a panic, a bug); what wasmtime and the plugin's
    /// stderr said.
    Trapped(String),
    /// The plugin was stopped by an earlier call; it cannot be called again.
    Stopped,
    /// A live plugin of this host holds this directory already.
    DirectoryInUse(PathBuf),
    /// The host could not load or start the plugin.
    Host(wasmtime::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Plugin(message) => write!(f, "the plugin says: {message}"),
            Error::Killed => f.write_str("the plugin was killed"),
            Error::OutOfFuel => f.write_str("the plugin ran out of fuel"),
            Error::Trapped(message) => write!(f, "the plugin trapped: {message}"),
            Error::Stopped => f.write_str("the plugin was stopped earlier"),
            Error::DirectoryInUse(dir) => {
                write!(f, "{} is in use by another plugin", dir.display())
            }
            Error::Host(error) => write!(f, "cannot run the plugin: {error:#}"),
        }
    }
}

impl std::error::Error for Error {}

/// Limits for one plugin instance.
#[derive(Debug, Clone, Copy, Default)]
pub struct Limits {
    /// The fuel the instance may burn over its whole life (roughly one
    /// unit per wasm instruction), or `None` for no limit.
    pub fuel: Option<u64>,
}

/// Loads one plugin component and starts instances of it.
pub struct Host {
    engine: Engine,
    linker: Linker<Sandbox>,
    component: Component,
    /// The directories that live plugins of this host hold.
    claims: Arc<Mutex<HashSet<PathBuf>>>,
}

impl Host {
    /// Compiles the plugin component at `wasm`.
    pub fn load(wasm: &Path) -> Result<Host, Error> {
        let mut config = Config::new();
        // Both ways a sandbox stops a guest: a deadline checked at loop
        // heads and calls (the kill switch moves it), and fuel.
        config.epoch_interruption(true);
        config.consume_fuel(true);
        let engine = Engine::new(&config).map_err(Error::Host)?;
        let component = Component::from_file(&engine, wasm).map_err(Error::Host)?;
        let mut linker = Linker::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(Error::Host)?;
        Ok(Host {
            engine,
            linker,
            component,
            claims: Arc::default(),
        })
    }

    /// Starts a plugin over `dir` (granted as [`GUEST_DIR`], read and
    /// write) and opens its log; see [`Plugin::opened`].
    pub fn start(&self, dir: &Path, limits: Limits) -> Result<Plugin, Error> {
        let claim = Claim::new(&self.claims, dir)?;
        let stderr = MemoryOutputPipe::new(STDERR_CAPACITY);
        let mut wasi = WasiCtx::builder();
        wasi.preopened_dir(dir, GUEST_DIR, FsPerms::ReadWrite)
            .map_err(Error::Host)?
            .stderr(stderr.clone())
            // Run file operations on this thread: the host is synchronous.
            .allow_blocking_current_thread(true);
        let sandbox = Sandbox {
            wasi: wasi.build(),
            table: ResourceTable::new(),
        };
        let mut store = Store::new(&self.engine, sandbox);
        store
            .set_fuel(limits.fuel.unwrap_or(u64::MAX))
            .map_err(Error::Host)?;
        let kill = KillSwitch {
            engine: self.engine.clone(),
            killed: Arc::default(),
        };
        // The epoch moves only when some plugin is killed; each store then
        // checks whether it was the one.
        let killed = kill.killed.clone();
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(move |_| {
            Ok(if killed.load(Ordering::SeqCst) {
                UpdateDeadline::Interrupt
            } else {
                UpdateDeadline::Continue(1)
            })
        });
        let mut plugin = Plugin {
            bindings: None,
            store,
            stderr,
            kill,
            opened: Summary {
                balances: Vec::new(),
                events: 0,
                last_lsn: 0,
            },
            _claim: claim,
        };
        let instance =
            bindings::EventLog::instantiate(&mut plugin.store, &self.component, &self.linker);
        plugin.bindings = Some(plugin.outcome(instance.map(Ok))?);
        plugin.opened = plugin.call(|ledger, store| ledger.call_open(store, GUEST_DIR))?;
        Ok(plugin)
    }
}

/// A running plugin instance.
pub struct Plugin {
    /// `None` once the instance has trapped: it is never entered again.
    bindings: Option<bindings::EventLog>,
    store: Store<Sandbox>,
    stderr: MemoryOutputPipe,
    kill: KillSwitch,
    opened: Summary,
    _claim: Claim,
}

impl Plugin {
    /// What the log held when the plugin opened it.
    pub fn opened(&self) -> &Summary {
        &self.opened
    }

    /// Hands the plugin `events` as one batch; returns the last one's LSN.
    pub fn handle(&mut self, events: &[Event]) -> Result<u64, Error> {
        self.call(|ledger, store| ledger.call_handle(store, events))
    }

    /// The plugin's state, durable or not.
    pub fn state(&mut self) -> Result<Summary, Error> {
        self.call(|ledger, store| ledger.call_state(store).map(Ok))
    }

    /// Makes everything handled durable, then returns the state.
    pub fn snapshot(&mut self) -> Result<Summary, Error> {
        self.call(|ledger, store| ledger.call_snapshot(store))
    }

    /// A handle that kills this plugin from any thread.
    pub fn kill_switch(&self) -> KillSwitch {
        self.kill.clone()
    }

    /// The fuel left, if the plugin was given a limited amount.
    pub fn fuel_left(&self) -> Option<u64> {
        self.store.get_fuel().ok()
    }

    /// Calls an export of the ledger interface, unless the instance is dead.
    fn call<R>(
        &mut self,
        f: impl FnOnce(
            &bindings::exports::rewal::plugin::ledger::Guest,
            &mut Store<Sandbox>,
        ) -> wasmtime::Result<Result<R, String>>,
    ) -> Result<R, Error> {
        let Some(bindings) = &self.bindings else {
            return Err(Error::Stopped);
        };
        let outcome = f(bindings.rewal_plugin_ledger(), &mut self.store);
        self.outcome(outcome)
    }

    /// Sorts a call's outcome into the plugin's answer and the ways it can
    /// stop; a stopped instance is dropped for good (wasm state after a
    /// trap is not to be trusted).
    fn outcome<R>(&mut self, outcome: wasmtime::Result<Result<R, String>>) -> Result<R, Error> {
        let error = match outcome {
            Ok(answer) => return answer.map_err(Error::Plugin),
            Err(error) => error,
        };
        self.bindings = None;
        Err(match error.downcast_ref::<Trap>() {
            Some(Trap::Interrupt) => Error::Killed,
            Some(Trap::OutOfFuel) => Error::OutOfFuel,
            Some(_) => {
                let stderr = String::from_utf8_lossy(&self.stderr.contents()).into_owned();
                Error::Trapped(format!("{error:?}\n{stderr}").trim_end().to_string())
            }
            None => Error::Host(error),
        })
    }
}

/// Kills one plugin from any thread: its next loop head or call traps.
#[derive(Clone)]
pub struct KillSwitch {
    engine: Engine,
    killed: Arc<AtomicBool>,
}

impl KillSwitch {
    /// Stops the plugin wherever it is.
    pub fn kill(&self) {
        self.killed.store(true, Ordering::SeqCst);
        self.engine.increment_epoch();
    }
}

/// A store's data: what WASI grants the plugin.
struct Sandbox {
    wasi: WasiCtx,
    table: ResourceTable,
}

impl WasiView for Sandbox {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// A live plugin's hold on its directory (by canonical path).
struct Claim {
    claims: Arc<Mutex<HashSet<PathBuf>>>,
    dir: PathBuf,
}

impl Claim {
    fn new(claims: &Arc<Mutex<HashSet<PathBuf>>>, dir: &Path) -> Result<Claim, Error> {
        let dir = dir.canonicalize().map_err(|error| {
            Error::Host(wasmtime::Error::new(error).context(dir.display().to_string()))
        })?;
        let mut held = claims
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if !held.insert(dir.clone()) {
            return Err(Error::DirectoryInUse(dir));
        }
        Ok(Claim {
            claims: claims.clone(),
            dir,
        })
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        let mut held = self
            .claims
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        held.remove(&self.dir);
    }
}
