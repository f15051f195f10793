//! Task context: the `task_struct->flags` bits that constrain allocation (§3.1), the
//! scoped allocation API `memalloc_*_save/restore` (§3.2) and `current_gfp_context()`
//! (§3.3), for Linux 6.12 and for the pre-6.10 restore semantics.
//!
//! The kernel keeps no record of which save a restore belongs to; this model keeps a
//! per-task stack of open scopes (cookie, API, call site) so that it can *report*
//! unbalanced, out-of-order and outer-scope-clearing restores as [`ScopeEvent`]s while
//! still applying exactly what the kernel would do to `current->flags`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::gfp::Gfp;
use crate::version::KernelVersion;

/// `task_struct->flags` (include/linux/sched.h, 6.12). Only the bits the memory
/// model uses have names here; any other bit is kept and shown as hex.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct TaskFlags(pub u32);

#[allow(clippy::doc_markdown)]
impl TaskFlags {
    /// Getting shut down. OOM lets an exiting task use reserves (§3.1).
    pub const PF_EXITING: TaskFlags = TaskFlags(0x0000_0004);
    /// I'm a workqueue worker; `should_reclaim_retry` sleeps a tick for it.
    pub const PF_WQ_WORKER: TaskFlags = TaskFlags(0x0000_0020);
    /// Dumped core; never invokes the OOM killer.
    pub const PF_DUMPCORE: TaskFlags = TaskFlags(0x0000_0200);
    /// Allocating memory to free memory: reserves, and no reclaim recursion.
    pub const PF_MEMALLOC: TaskFlags = TaskFlags(0x0000_0800);
    /// I am kswapd.
    pub const PF_KSWAPD: TaskFlags = TaskFlags(0x0002_0000);
    /// All allocations inherit GFP_NOFS (`memalloc_nofs_save`).
    pub const PF_MEMALLOC_NOFS: TaskFlags = TaskFlags(0x0004_0000);
    /// All allocations inherit GFP_NOIO (`memalloc_noio_save`).
    pub const PF_MEMALLOC_NOIO: TaskFlags = TaskFlags(0x0008_0000);
    /// Throttle writes only against the bdi I write to (nfsd, loop).
    pub const PF_LOCAL_THROTTLE: TaskFlags = TaskFlags(0x0010_0000);
    /// I am a kernel thread.
    pub const PF_KTHREAD: TaskFlags = TaskFlags(0x0020_0000);
    /// Allocations constrained to zones which allow long-term pinning.
    pub const PF_MEMALLOC_PIN: TaskFlags = TaskFlags(0x1000_0000);

    /// Every named flag, in bit order, with its kernel name.
    pub const NAMED: [(TaskFlags, &'static str); 10] = [
        (TaskFlags::PF_EXITING, "PF_EXITING"),
        (TaskFlags::PF_WQ_WORKER, "PF_WQ_WORKER"),
        (TaskFlags::PF_DUMPCORE, "PF_DUMPCORE"),
        (TaskFlags::PF_MEMALLOC, "PF_MEMALLOC"),
        (TaskFlags::PF_KSWAPD, "PF_KSWAPD"),
        (TaskFlags::PF_MEMALLOC_NOFS, "PF_MEMALLOC_NOFS"),
        (TaskFlags::PF_MEMALLOC_NOIO, "PF_MEMALLOC_NOIO"),
        (TaskFlags::PF_LOCAL_THROTTLE, "PF_LOCAL_THROTTLE"),
        (TaskFlags::PF_KTHREAD, "PF_KTHREAD"),
        (TaskFlags::PF_MEMALLOC_PIN, "PF_MEMALLOC_PIN"),
    ];

    /// The empty set.
    pub const NONE: TaskFlags = TaskFlags(0);

    /// True if every bit of `other` is set.
    #[must_use]
    pub const fn contains(self, other: TaskFlags) -> bool {
        self.0 & other.0 == other.0
    }
    /// True if any bit of `other` is set.
    #[must_use]
    pub const fn intersects(self, other: TaskFlags) -> bool {
        self.0 & other.0 != 0
    }
    /// `self | other`.
    #[must_use]
    pub const fn union(self, other: TaskFlags) -> TaskFlags {
        TaskFlags(self.0 | other.0)
    }
    /// `self & ~other`.
    #[must_use]
    pub const fn without(self, other: TaskFlags) -> TaskFlags {
        TaskFlags(self.0 & !other.0)
    }

    /// The kernel name of a single named flag (`None` for unnamed bits or several bits).
    #[must_use]
    pub fn name(self) -> Option<&'static str> {
        TaskFlags::NAMED
            .iter()
            .find(|(f, _)| *f == self)
            .map(|(_, n)| *n)
    }

    /// Names of the set named bits in bit order; unnamed set bits are appended as one
    /// hex value (e.g. `["PF_MEMALLOC", "0x40"]`).
    #[must_use]
    pub fn names(self) -> Vec<String> {
        let mut out = Vec::new();
        let mut rest = self.0;
        for (flag, name) in TaskFlags::NAMED {
            if self.contains(flag) {
                out.push(name.to_owned());
                rest &= !flag.0;
            }
        }
        if rest != 0 {
            out.push(format!("{rest:#x}"));
        }
        out
    }

    /// Look a flag up by its kernel name (`PF_MEMALLOC_NOFS`; the `PF_` prefix may be
    /// omitted; case-insensitive).
    #[must_use]
    pub fn from_name(name: &str) -> Option<TaskFlags> {
        let name = name.trim();
        TaskFlags::NAMED
            .iter()
            .find(|(_, n)| {
                n.eq_ignore_ascii_case(name)
                    || n.strip_prefix("PF_")
                        .is_some_and(|short| short.eq_ignore_ascii_case(name))
            })
            .map(|(f, _)| *f)
    }

    /// Parse a list such as `PF_MEMALLOC_NOFS,PF_MEMALLOC_PIN` (separators `,`, `|`,
    /// `+` or spaces; hex literals allowed). An empty list or `0`/`none` is no flags.
    ///
    /// # Errors
    /// [`TaskFlagsError`] naming the first unknown token.
    pub fn parse_list(input: &str) -> Result<TaskFlags, TaskFlagsError> {
        let mut flags = TaskFlags::NONE;
        for token in input
            .split([',', '|', '+', ' '])
            .filter(|t| !t.trim().is_empty())
        {
            let token = token.trim();
            if token.eq_ignore_ascii_case("none") {
                continue;
            }
            if let Some(flag) = TaskFlags::from_name(token) {
                flags = flags.union(flag);
            } else if let Some(hex) = token
                .strip_prefix("0x")
                .or_else(|| token.strip_prefix("0X"))
            {
                let value = u32::from_str_radix(hex, 16).map_err(|_| TaskFlagsError {
                    token: token.to_owned(),
                })?;
                flags = flags.union(TaskFlags(value));
            } else if token == "0" {
            } else {
                return Err(TaskFlagsError {
                    token: token.to_owned(),
                });
            }
        }
        Ok(flags)
    }
}

/// An unknown PF flag name in a list.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown task flag `{token}` (expected PF_MEMALLOC, PF_MEMALLOC_NOFS, PF_MEMALLOC_NOIO, PF_MEMALLOC_PIN, PF_KSWAPD, ...)"
)]
pub struct TaskFlagsError {
    /// The offending token, verbatim.
    pub token: String,
}

impl std::ops::BitOr for TaskFlags {
    type Output = TaskFlags;
    fn bitor(self, rhs: TaskFlags) -> TaskFlags {
        TaskFlags(self.0 | rhs.0)
    }
}
impl std::ops::BitOrAssign for TaskFlags {
    fn bitor_assign(&mut self, rhs: TaskFlags) {
        self.0 |= rhs.0;
    }
}
impl std::ops::BitAnd for TaskFlags {
    type Output = TaskFlags;
    fn bitand(self, rhs: TaskFlags) -> TaskFlags {
        TaskFlags(self.0 & rhs.0)
    }
}
impl std::ops::Not for TaskFlags {
    type Output = TaskFlags;
    fn not(self) -> TaskFlags {
        TaskFlags(!self.0)
    }
}
impl fmt::Debug for TaskFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TaskFlags({:#x} {:?})", self.0, self.names())
    }
}
impl fmt::Display for TaskFlags {
    /// `PF_MEMALLOC|PF_KSWAPD`, or `0` for none.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0 {
            return f.write_str("0");
        }
        f.write_str(&self.names().join("|"))
    }
}

/// Where a scope call or lock operation happened in the scenario source.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallSite {
    /// Function containing the call, e.g. `xfs_trans_alloc`.
    pub function: String,
    /// 1-based scenario line.
    pub line: u32,
}

impl CallSite {
    /// A call site in `function` at `line`.
    #[must_use]
    pub fn new(function: impl Into<String>, line: u32) -> CallSite {
        CallSite {
            function: function.into(),
            line,
        }
    }
}

impl fmt::Display for CallSite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.function, self.line)
    }
}

/// A kernel thread or user task as far as allocation cares.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub pid: u32,
    /// `current->comm` (at most 15 characters in the kernel; not truncated here).
    pub comm: String,
    /// `current->flags`.
    pub flags: TaskFlags,
    /// `/proc/<pid>/oom_score_adj`, −1000..=1000.
    pub oom_score_adj: i16,
    /// `rt_or_dl_task(current)`: SCHED_FIFO/RR/DEADLINE (gfp_to_alloc_flags, §5.2).
    pub rt: bool,
    /// `tsk_is_oom_victim(current)` (gives ALLOC_OOM, §5.3).
    pub oom_victim: bool,
    /// Open scopes, outermost first: this model's bookkeeping, not kernel state.
    pub scopes: Vec<OpenScope>,
}

impl Task {
    /// A task with no flags set.
    #[must_use]
    pub fn new(pid: u32, comm: impl Into<String>) -> Task {
        Task {
            pid,
            comm: comm.into(),
            ..Task::default()
        }
    }

    /// A task whose `flags` start as `flags`.
    #[must_use]
    pub fn with_flags(pid: u32, comm: impl Into<String>, flags: TaskFlags) -> Task {
        Task {
            flags,
            ..Task::new(pid, comm)
        }
    }

    /// `memalloc_noio_save()`. Returns the cookie and the [`ScopeEvent::Save`].
    pub fn memalloc_noio_save(
        &mut self,
        sem: ScopeSemantics,
        site: &CallSite,
    ) -> (u32, ScopeEvent) {
        self.scope_save(sem, ScopeApi::Noio, site)
    }
    /// `memalloc_noio_restore(cookie)`.
    pub fn memalloc_noio_restore(
        &mut self,
        sem: ScopeSemantics,
        cookie: u32,
        site: &CallSite,
    ) -> Vec<ScopeEvent> {
        self.scope_restore(sem, ScopeApi::Noio, cookie, site)
    }
    /// `memalloc_nofs_save()`.
    pub fn memalloc_nofs_save(
        &mut self,
        sem: ScopeSemantics,
        site: &CallSite,
    ) -> (u32, ScopeEvent) {
        self.scope_save(sem, ScopeApi::Nofs, site)
    }
    /// `memalloc_nofs_restore(cookie)`.
    pub fn memalloc_nofs_restore(
        &mut self,
        sem: ScopeSemantics,
        cookie: u32,
        site: &CallSite,
    ) -> Vec<ScopeEvent> {
        self.scope_restore(sem, ScopeApi::Nofs, cookie, site)
    }
    /// `memalloc_noreclaim_save()` (sets PF_MEMALLOC).
    pub fn memalloc_noreclaim_save(
        &mut self,
        sem: ScopeSemantics,
        site: &CallSite,
    ) -> (u32, ScopeEvent) {
        self.scope_save(sem, ScopeApi::Noreclaim, site)
    }
    /// `memalloc_noreclaim_restore(cookie)`.
    pub fn memalloc_noreclaim_restore(
        &mut self,
        sem: ScopeSemantics,
        cookie: u32,
        site: &CallSite,
    ) -> Vec<ScopeEvent> {
        self.scope_restore(sem, ScopeApi::Noreclaim, cookie, site)
    }
    /// `memalloc_pin_save()`.
    pub fn memalloc_pin_save(&mut self, sem: ScopeSemantics, site: &CallSite) -> (u32, ScopeEvent) {
        self.scope_save(sem, ScopeApi::Pin, site)
    }
    /// `memalloc_pin_restore(cookie)`.
    pub fn memalloc_pin_restore(
        &mut self,
        sem: ScopeSemantics,
        cookie: u32,
        site: &CallSite,
    ) -> Vec<ScopeEvent> {
        self.scope_restore(sem, ScopeApi::Pin, cookie, site)
    }
    /// `memalloc_flags_save(flags)` (6.10+).
    pub fn memalloc_flags_save(
        &mut self,
        sem: ScopeSemantics,
        flags: TaskFlags,
        site: &CallSite,
    ) -> (u32, ScopeEvent) {
        self.scope_save(sem, ScopeApi::Flags(flags), site)
    }
    /// `memalloc_flags_restore(cookie)` (6.10+).
    pub fn memalloc_flags_restore(
        &mut self,
        sem: ScopeSemantics,
        cookie: u32,
        site: &CallSite,
    ) -> Vec<ScopeEvent> {
        // The restore does not name the flags; match it to the innermost open
        // memalloc_flags_save scope, whatever mask that had.
        let api = self
            .scopes
            .iter()
            .rev()
            .find_map(|s| match s.api {
                ScopeApi::Flags(f) => Some(ScopeApi::Flags(f)),
                _ => None,
            })
            .unwrap_or(ScopeApi::Flags(TaskFlags(cookie)));
        self.scope_restore(sem, api, cookie, site)
    }

    /// Any `memalloc_*_save`: apply the kernel's save for `sem`, push an open scope.
    ///
    /// Models include/linux/sched/mm.h: 6.10+ `memalloc_flags_save()` returns
    /// `~current->flags & flags` and sets `flags`; ≤6.9 `memalloc_X_save()` returns
    /// `current->flags & PF_X` and sets `PF_X` (§3.2).
    pub fn scope_save(
        &mut self,
        sem: ScopeSemantics,
        api: ScopeApi,
        site: &CallSite,
    ) -> (u32, ScopeEvent) {
        let before = self.flags;
        let mask = api.mask();
        let cookie = match (sem, api) {
            // memalloc_flags_save() only exists from 6.10 (or with the stable backport of
            // 3f6d5e6a468d), so it always has the new semantics.
            (ScopeSemantics::Flags6_10, _) | (ScopeSemantics::Pre6_10, ScopeApi::Flags(_)) => {
                !before.0 & mask.0
            }
            (ScopeSemantics::Pre6_10, _) => before.0 & mask.0,
        };
        self.flags = before.union(mask);
        self.scopes.push(OpenScope {
            api,
            cookie,
            site: site.clone(),
            flags_before: before,
        });
        (
            cookie,
            ScopeEvent::Save {
                pid: self.pid,
                api,
                cookie,
                site: site.clone(),
                before,
                after: self.flags,
            },
        )
    }

    /// Any `memalloc_*_restore(cookie)`: apply the kernel's restore for `sem`, pop the
    /// matching open scope, and report anomalies.
    ///
    /// Models include/linux/sched/mm.h: 6.10+ `memalloc_flags_restore()` does
    /// `current->flags &= ~cookie`; ≤6.9 `memalloc_X_restore()` does
    /// `current->flags = (current->flags & ~PF_X) | cookie` (§3.2, scenarios §3).
    pub fn scope_restore(
        &mut self,
        sem: ScopeSemantics,
        api: ScopeApi,
        cookie: u32,
        site: &CallSite,
    ) -> Vec<ScopeEvent> {
        let mut events = Vec::new();
        // Which open scope does this restore close? The innermost one of the same API
        // family. The kernel does not know; we do, for reporting only.
        let matched_idx = self.scopes.iter().rposition(|s| s.api.same_family(api));
        let innermost = self.scopes.last().cloned();
        let matched = if let Some(i) = matched_idx {
            let scope = self.scopes.remove(i);
            if let Some(inner) = innermost.filter(|_| i != self.scopes.len()) {
                events.push(ScopeEvent::OutOfOrderRestore {
                    pid: self.pid,
                    api,
                    site: site.clone(),
                    closed: scope.clone(),
                    innermost: inner,
                });
            }
            if scope.cookie != cookie {
                events.push(ScopeEvent::CookieMismatch {
                    pid: self.pid,
                    api,
                    site: site.clone(),
                    passed: cookie,
                    saved: scope.cookie,
                    saved_at: scope.site.clone(),
                });
            }
            Some(scope)
        } else {
            events.push(ScopeEvent::UnbalancedRestore {
                pid: self.pid,
                api,
                cookie,
                site: site.clone(),
            });
            None
        };

        let before = self.flags;
        let after = match (sem, api) {
            (ScopeSemantics::Flags6_10, _) | (ScopeSemantics::Pre6_10, ScopeApi::Flags(_)) => {
                TaskFlags(before.0 & !cookie)
            }
            (ScopeSemantics::Pre6_10, _) => TaskFlags((before.0 & !api.mask().0) | cookie),
        };
        self.flags = after;
        events.insert(
            0,
            ScopeEvent::Restore {
                pid: self.pid,
                api,
                cookie,
                site: site.clone(),
                before,
                after,
                matched: matched.clone(),
            },
        );

        // Did this restore clear a bit an outer, still-open scope established?
        let cleared = before.without(after);
        if cleared.0 != 0 {
            for outer in self.scopes.iter().rev() {
                let lost = TaskFlags(cleared.0 & outer.api.mask().0);
                if lost.0 != 0 {
                    events.push(ScopeEvent::OuterScopeCleared {
                        pid: self.pid,
                        api,
                        site: site.clone(),
                        bits: lost,
                        outer: outer.clone(),
                    });
                    break;
                }
            }
        }
        events
    }

    /// Open scopes never restored: call when the task finishes. One
    /// [`ScopeEvent::LeakedScope`] per open scope, innermost first; the stack is emptied.
    pub fn finish_scopes(&mut self) -> Vec<ScopeEvent> {
        let pid = self.pid;
        let flags = self.flags;
        self.scopes
            .drain(..)
            .rev()
            .map(|scope| ScopeEvent::LeakedScope { pid, scope, flags })
            .collect()
    }

    /// `current_gfp_context(gfp)` for this task.
    #[must_use]
    pub fn current_gfp_context(&self, gfp: Gfp) -> ContextResult {
        current_gfp_context(gfp, self.flags)
    }
}

/// Which restore semantics `memalloc_*_restore` has (§3.2).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
pub enum ScopeSemantics {
    /// ≤6.9: save returns the old bit; restore rewrites the bit to the cookie, so
    /// `restore(0)` clears the bit even inside an outer scope.
    Pre6_10,
    /// 6.10+ (`memalloc_flags_save/restore`, commit 3f6d5e6a468d): save returns the bits
    /// it newly set; restore clears exactly those, so `restore(0)` is a no-op.
    #[default]
    Flags6_10,
}

impl ScopeSemantics {
    /// The semantics of `version`.
    #[must_use]
    pub fn for_version(version: KernelVersion) -> ScopeSemantics {
        if version.at_least(6, 10) {
            ScopeSemantics::Flags6_10
        } else {
            ScopeSemantics::Pre6_10
        }
    }
}

/// A scope API family.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub enum ScopeApi {
    /// `memalloc_noio_save/restore` → PF_MEMALLOC_NOIO (3.9+).
    Noio,
    /// `memalloc_nofs_save/restore` → PF_MEMALLOC_NOFS (4.12+).
    Nofs,
    /// `memalloc_noreclaim_save/restore` → PF_MEMALLOC (4.12+).
    Noreclaim,
    /// `memalloc_pin_save/restore` → PF_MEMALLOC_PIN (≈5.13+, was `nocma`).
    Pin,
    /// `memalloc_flags_save(flags)/memalloc_flags_restore` (6.10+).
    Flags(TaskFlags),
}

impl ScopeApi {
    /// The PF bits this API sets.
    #[must_use]
    pub const fn mask(self) -> TaskFlags {
        match self {
            ScopeApi::Noio => TaskFlags::PF_MEMALLOC_NOIO,
            ScopeApi::Nofs => TaskFlags::PF_MEMALLOC_NOFS,
            ScopeApi::Noreclaim => TaskFlags::PF_MEMALLOC,
            ScopeApi::Pin => TaskFlags::PF_MEMALLOC_PIN,
            ScopeApi::Flags(f) => f,
        }
    }
    /// The save function's kernel name.
    #[must_use]
    pub const fn save_name(self) -> &'static str {
        match self {
            ScopeApi::Noio => "memalloc_noio_save",
            ScopeApi::Nofs => "memalloc_nofs_save",
            ScopeApi::Noreclaim => "memalloc_noreclaim_save",
            ScopeApi::Pin => "memalloc_pin_save",
            ScopeApi::Flags(_) => "memalloc_flags_save",
        }
    }
    /// The restore function's kernel name.
    #[must_use]
    pub const fn restore_name(self) -> &'static str {
        match self {
            ScopeApi::Noio => "memalloc_noio_restore",
            ScopeApi::Nofs => "memalloc_nofs_restore",
            ScopeApi::Noreclaim => "memalloc_noreclaim_restore",
            ScopeApi::Pin => "memalloc_pin_restore",
            ScopeApi::Flags(_) => "memalloc_flags_restore",
        }
    }
    /// First release with this API (§3.4; NOCMA→PIN rename ◐).
    #[must_use]
    pub const fn introduced(self) -> KernelVersion {
        match self {
            ScopeApi::Noio => KernelVersion::new(3, 9),
            ScopeApi::Nofs | ScopeApi::Noreclaim => KernelVersion::new(4, 12),
            ScopeApi::Pin => KernelVersion::new(5, 13),
            ScopeApi::Flags(_) => KernelVersion::new(6, 10),
        }
    }
    fn same_family(self, other: ScopeApi) -> bool {
        match (self, other) {
            (ScopeApi::Flags(_), ScopeApi::Flags(_)) => true,
            (a, b) => a == b,
        }
    }
}

/// One open `memalloc_*_save` scope (model bookkeeping, shown as a saved cookie in the UI).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenScope {
    pub api: ScopeApi,
    /// The value the save returned.
    pub cookie: u32,
    pub site: CallSite,
    /// `current->flags` just before the save.
    pub flags_before: TaskFlags,
}

/// What the scope API did, including misuse the kernel would not notice.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum ScopeEvent {
    /// A `memalloc_*_save` ran.
    Save {
        pid: u32,
        api: ScopeApi,
        cookie: u32,
        site: CallSite,
        before: TaskFlags,
        after: TaskFlags,
    },
    /// A `memalloc_*_restore` ran (always reported first, before any anomaly).
    Restore {
        pid: u32,
        api: ScopeApi,
        cookie: u32,
        site: CallSite,
        before: TaskFlags,
        after: TaskFlags,
        /// The open scope it closed, if any.
        matched: Option<OpenScope>,
    },
    /// A restore with no open save of that API in this task.
    UnbalancedRestore {
        pid: u32,
        api: ScopeApi,
        cookie: u32,
        site: CallSite,
    },
    /// A restore that closed a scope while a later-opened one is still open.
    OutOfOrderRestore {
        pid: u32,
        api: ScopeApi,
        site: CallSite,
        closed: OpenScope,
        innermost: OpenScope,
    },
    /// The cookie passed to restore is not the one its save returned (a handed-off or
    /// swapped cookie, as in XFS transaction rolls).
    CookieMismatch {
        pid: u32,
        api: ScopeApi,
        site: CallSite,
        passed: u32,
        saved: u32,
        saved_at: CallSite,
    },
    /// The restore cleared `bits` although an outer open scope set them: allocations
    /// until that scope ends run without its protection (scenarios §3, pre-6.10).
    OuterScopeCleared {
        pid: u32,
        api: ScopeApi,
        site: CallSite,
        bits: TaskFlags,
        outer: OpenScope,
    },
    /// The task ended with this scope still open.
    LeakedScope {
        pid: u32,
        scope: OpenScope,
        flags: TaskFlags,
    },
}

impl ScopeEvent {
    /// True for misuse (everything except plain `Save`/`Restore`).
    #[must_use]
    pub fn is_anomaly(&self) -> bool {
        !matches!(self, ScopeEvent::Save { .. } | ScopeEvent::Restore { .. })
    }
}

impl fmt::Display for ScopeEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScopeEvent::Save {
                api,
                cookie,
                site,
                before,
                after,
                ..
            } => write!(
                f,
                "{}() at {site} returned {cookie:#x}; flags {before} -> {after}",
                api.save_name()
            ),
            ScopeEvent::Restore {
                api,
                cookie,
                site,
                before,
                after,
                ..
            } => write!(
                f,
                "{}({cookie:#x}) at {site}; flags {before} -> {after}",
                api.restore_name()
            ),
            ScopeEvent::UnbalancedRestore {
                api, cookie, site, ..
            } => write!(
                f,
                "{}({cookie:#x}) at {site} has no matching {}()",
                api.restore_name(),
                api.save_name()
            ),
            ScopeEvent::OutOfOrderRestore {
                api,
                site,
                closed,
                innermost,
                ..
            } => write!(
                f,
                "{}() at {site} closes the scope saved at {} while the scope saved at {} ({}) is still open",
                api.restore_name(),
                closed.site,
                innermost.site,
                innermost.api.save_name()
            ),
            ScopeEvent::CookieMismatch {
                api,
                site,
                passed,
                saved,
                saved_at,
                ..
            } => write!(
                f,
                "{}({passed:#x}) at {site}, but {}() at {saved_at} returned {saved:#x}",
                api.restore_name(),
                api.save_name()
            ),
            ScopeEvent::OuterScopeCleared {
                api,
                site,
                bits,
                outer,
                ..
            } => write!(
                f,
                "{}() at {site} cleared {bits} although the scope opened by {}() at {} is still open",
                api.restore_name(),
                outer.api.save_name(),
                outer.site
            ),
            ScopeEvent::LeakedScope { scope, flags, .. } => write!(
                f,
                "task finished with the {}() scope from {} still open (flags {flags})",
                scope.api.save_name(),
                scope.site
            ),
        }
    }
}

/// A gfp bit `current_gfp_context()` removed, the PF flag responsible, and why.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RemovedGfpBit {
    /// The single bit removed (6.12 layout).
    pub bit: Gfp,
    /// The task flag that removed it.
    pub by: TaskFlags,
    /// One sentence a kernel developer would accept.
    pub why: &'static str,
}

/// The effective mask and the removals, in the order the kernel applies them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ContextResult {
    pub requested: Gfp,
    pub effective: Gfp,
    pub removed: Vec<RemovedGfpBit>,
}

const WHY_NOIO_IO: &str = "PF_MEMALLOC_NOIO (memalloc_noio_save scope): reclaim must not start I/O, so __GFP_IO is cleared";
const WHY_NOIO_FS: &str = "PF_MEMALLOC_NOIO implies NOFS and takes precedence: reclaim must not call into the filesystem either, so __GFP_FS is cleared";
const WHY_NOFS_FS: &str = "PF_MEMALLOC_NOFS (memalloc_nofs_save scope): reclaim must not recurse into the filesystem, so __GFP_FS is cleared";
const WHY_PIN: &str = "PF_MEMALLOC_PIN (memalloc_pin_save scope): pages will be pinned long-term, so they must not come from ZONE_MOVABLE or CMA; __GFP_MOVABLE is cleared";

/// `current_gfp_context(flags)` (include/linux/sched/mm.h, 6.12; §3.3):
/// NOIO clears IO|FS and takes precedence over NOFS, which clears FS; PIN clears MOVABLE.
/// Removed bits are listed only if they were set in `gfp`.
#[must_use]
pub fn current_gfp_context(gfp: Gfp, pflags: TaskFlags) -> ContextResult {
    let mut effective = gfp;
    let mut removed = Vec::new();
    let mut remove = |effective: &mut Gfp, bit: Gfp, by: TaskFlags, why: &'static str| {
        if effective.contains(bit) {
            *effective = effective.without(bit);
            removed.push(RemovedGfpBit { bit, by, why });
        }
    };
    if pflags.contains(TaskFlags::PF_MEMALLOC_NOIO) {
        remove(
            &mut effective,
            Gfp::IO,
            TaskFlags::PF_MEMALLOC_NOIO,
            WHY_NOIO_IO,
        );
        remove(
            &mut effective,
            Gfp::FS,
            TaskFlags::PF_MEMALLOC_NOIO,
            WHY_NOIO_FS,
        );
    } else if pflags.contains(TaskFlags::PF_MEMALLOC_NOFS) {
        remove(
            &mut effective,
            Gfp::FS,
            TaskFlags::PF_MEMALLOC_NOFS,
            WHY_NOFS_FS,
        );
    }
    if pflags.contains(TaskFlags::PF_MEMALLOC_PIN) {
        remove(
            &mut effective,
            Gfp::MOVABLE,
            TaskFlags::PF_MEMALLOC_PIN,
            WHY_PIN,
        );
    }
    ContextResult {
        requested: gfp,
        effective,
        removed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site(line: u32) -> CallSite {
        CallSite::new("f", line)
    }

    #[test]
    fn pf_values_match_sched_h_6_12() {
        // include/linux/sched.h lines 1693-1720 in 6.12.
        assert_eq!(TaskFlags::PF_MEMALLOC.0, 0x800);
        assert_eq!(TaskFlags::PF_KSWAPD.0, 0x20000);
        assert_eq!(TaskFlags::PF_MEMALLOC_NOFS.0, 0x40000);
        assert_eq!(TaskFlags::PF_MEMALLOC_NOIO.0, 0x80000);
        assert_eq!(TaskFlags::PF_MEMALLOC_PIN.0, 0x10000000);
        assert_eq!(TaskFlags::PF_KTHREAD.0, 0x200000);
    }

    #[test]
    fn names_and_parse_list() {
        let f = TaskFlags::parse_list("PF_MEMALLOC_NOFS,memalloc_pin|0x4").unwrap();
        assert_eq!(
            f,
            TaskFlags::PF_MEMALLOC_NOFS | TaskFlags::PF_MEMALLOC_PIN | TaskFlags::PF_EXITING
        );
        assert_eq!(
            f.names(),
            ["PF_EXITING", "PF_MEMALLOC_NOFS", "PF_MEMALLOC_PIN"]
        );
        assert_eq!(TaskFlags(0x840).names(), ["PF_MEMALLOC", "0x40"]);
        let e = TaskFlags::parse_list("PF_MEMALLOC,PF_BOGUS").unwrap_err();
        assert_eq!(e.token, "PF_BOGUS");
        assert_eq!(TaskFlags::parse_list("").unwrap(), TaskFlags::NONE);
    }

    #[test]
    fn gfp_kernel_under_nofs_is_gfp_nofs() {
        let r = current_gfp_context(Gfp::KERNEL, TaskFlags::PF_MEMALLOC_NOFS);
        assert_eq!(r.effective, Gfp::NOFS);
        assert_eq!(r.effective.0, 0xc40);
        assert_eq!(r.removed.len(), 1);
        assert_eq!(r.removed[0].bit, Gfp::FS);
        assert_eq!(r.removed[0].by, TaskFlags::PF_MEMALLOC_NOFS);
    }

    #[test]
    fn noio_takes_precedence_and_is_credited() {
        let r = current_gfp_context(
            Gfp::KERNEL,
            TaskFlags::PF_MEMALLOC_NOFS | TaskFlags::PF_MEMALLOC_NOIO,
        );
        assert_eq!(r.effective, Gfp::NOIO);
        let by: Vec<_> = r.removed.iter().map(|b| (b.bit, b.by)).collect();
        assert_eq!(
            by,
            [
                (Gfp::IO, TaskFlags::PF_MEMALLOC_NOIO),
                (Gfp::FS, TaskFlags::PF_MEMALLOC_NOIO)
            ]
        );
    }

    #[test]
    fn pin_clears_movable_only() {
        let r = current_gfp_context(Gfp::HIGHUSER_MOVABLE, TaskFlags::PF_MEMALLOC_PIN);
        assert_eq!(r.effective, Gfp::HIGHUSER);
        assert_eq!(r.effective.0, 0x100cc2);
        // GFP_ATOMIC in a NOFS scope is unchanged (§3.2 rule 5).
        let r = current_gfp_context(Gfp::ATOMIC, TaskFlags::PF_MEMALLOC_NOFS);
        assert_eq!(r.effective, Gfp::ATOMIC);
        assert!(r.removed.is_empty());
    }

    #[test]
    fn nested_nofs_6_12_inner_restore_is_noop() {
        let sem = ScopeSemantics::Flags6_10;
        let mut t = Task::new(1, "kworker/0:1");
        let (outer, _) = t.memalloc_nofs_save(sem, &site(1));
        assert_eq!(outer, TaskFlags::PF_MEMALLOC_NOFS.0);
        let (inner, _) = t.memalloc_nofs_save(sem, &site(2));
        assert_eq!(inner, 0);
        let ev = t.memalloc_nofs_restore(sem, inner, &site(3));
        assert!(ev.iter().all(|e| !e.is_anomaly()), "{ev:?}");
        assert!(t.flags.contains(TaskFlags::PF_MEMALLOC_NOFS));
        t.memalloc_nofs_restore(sem, outer, &site(4));
        assert_eq!(t.flags, TaskFlags::NONE);
        assert!(t.scopes.is_empty());
    }

    #[test]
    fn xfs_roll_restore_zero_clears_outer_nofs_only_pre_6_10() {
        // scenarios.md §3: outer worker scope, inner transaction scope whose cookie is
        // handed to the new transaction; the old one restores 0.
        for (sem, expect_nofs) in [
            (ScopeSemantics::Flags6_10, true),
            (ScopeSemantics::Pre6_10, false),
        ] {
            let mut t = Task::new(7, "kworker/1:2");
            let (_outer, _) = t.memalloc_nofs_save(sem, &site(1));
            let (_inner, _) = t.memalloc_nofs_save(sem, &site(2));
            let ev = t.memalloc_nofs_restore(sem, 0, &site(3));
            assert_eq!(
                t.flags.contains(TaskFlags::PF_MEMALLOC_NOFS),
                expect_nofs,
                "{sem:?}"
            );
            let cleared = ev
                .iter()
                .any(|e| matches!(e, ScopeEvent::OuterScopeCleared { .. }));
            assert_eq!(cleared, !expect_nofs, "{sem:?}: {ev:?}");
            assert_eq!(
                current_gfp_context(Gfp::KERNEL | Gfp::NOFAIL, t.flags).effective,
                if expect_nofs {
                    Gfp::NOFS | Gfp::NOFAIL
                } else {
                    Gfp::KERNEL | Gfp::NOFAIL
                }
            );
        }
    }

    #[test]
    fn unbalanced_and_out_of_order_restores_are_events() {
        let sem = ScopeSemantics::Flags6_10;
        let mut t = Task::new(3, "t");
        let ev = t.memalloc_noio_restore(sem, 0x80000, &site(1));
        assert!(matches!(ev[0], ScopeEvent::Restore { .. }));
        assert!(matches!(ev[1], ScopeEvent::UnbalancedRestore { .. }));

        let (noio, _) = t.memalloc_noio_save(sem, &site(2));
        let (nofs, _) = t.memalloc_nofs_save(sem, &site(3));
        let ev = t.memalloc_noio_restore(sem, noio, &site(4));
        assert!(
            ev.iter()
                .any(|e| matches!(e, ScopeEvent::OutOfOrderRestore { .. })),
            "{ev:?}"
        );
        t.memalloc_nofs_restore(sem, nofs, &site(5));
        assert_eq!(t.flags, TaskFlags::NONE);
        let (_c, _) = t.memalloc_pin_save(sem, &site(6));
        let leaked = t.finish_scopes();
        assert_eq!(leaked.len(), 1);
        assert!(leaked[0].to_string().contains("memalloc_pin_save"));
    }

    #[test]
    fn flags_save_returns_only_newly_set_bits() {
        let sem = ScopeSemantics::Flags6_10;
        let mut t = Task::with_flags(1, "t", TaskFlags::PF_MEMALLOC_NOFS);
        let (c, _) = t.memalloc_flags_save(
            sem,
            TaskFlags::PF_MEMALLOC_NOFS | TaskFlags::PF_MEMALLOC_NOIO,
            &site(1),
        );
        assert_eq!(c, TaskFlags::PF_MEMALLOC_NOIO.0);
        t.memalloc_flags_restore(sem, c, &site(2));
        assert_eq!(t.flags, TaskFlags::PF_MEMALLOC_NOFS);
    }

    #[test]
    fn semantics_by_version() {
        assert_eq!(
            ScopeSemantics::for_version(KernelVersion::new(6, 1)),
            ScopeSemantics::Pre6_10
        );
        assert_eq!(
            ScopeSemantics::for_version(KernelVersion::new(6, 10)),
            ScopeSemantics::Flags6_10
        );
        assert_eq!(
            ScopeSemantics::for_version(KernelVersion::V6_12),
            ScopeSemantics::Flags6_10
        );
    }
}
