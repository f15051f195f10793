//! Property tests: layouts round-trip, printed names parse back, and scope nesting
//! restores task flags exactly (6.12) while the pre-6.10 restore loses an outer NOFS.

use gfpscope_engine::gfp::Gfp;
use gfpscope_engine::gfp::expr::parse_expr;
use gfpscope_engine::gfp::format::{flag_names, format_pgg_raw};
use gfpscope_engine::gfp::layout::{Era, Layout};
use gfpscope_engine::task::{CallSite, ScopeApi, ScopeEvent, ScopeSemantics, Task, TaskFlags};
use gfpscope_engine::version::KernelVersion;
use proptest::prelude::*;

fn era() -> impl Strategy<Value = Era> {
    prop::sample::select(Era::ALL.to_vec())
}

fn release() -> impl Strategy<Value = KernelVersion> {
    prop::sample::select(vec![
        (3, 10),
        (4, 3),
        (4, 5),
        (4, 9),
        (4, 12),
        (4, 14),
        (4, 16),
        (4, 19),
        (5, 4),
        (5, 15),
        (6, 1),
        (6, 6),
        (6, 12),
        (6, 16),
    ])
    .prop_map(|(a, b)| KernelVersion::new(a, b))
}

proptest! {
    /// raw → 6.12 (+ legacy + unknown) → raw is the identity in every release.
    #[test]
    fn raw_canonical_round_trip(v in release(), raw in any::<u32>()) {
        let layout = Layout::new(v);
        let decoded = layout.to_canonical(raw);
        prop_assert_eq!(layout.from_canonical(&decoded).0, raw);
    }

    /// Any 6.12 mask of defined bits encodes into 6.12 as itself.
    #[test]
    fn canonical_6_12_is_identity(bits in any::<u32>()) {
        let gfp = Gfp(bits & Gfp::ALL_DEFINED.0);
        let layout = Layout::v6_12();
        prop_assert_eq!(layout.encode(gfp), gfp.0);
        prop_assert_eq!(layout.to_canonical(gfp.0).gfp, gfp);
    }

    /// What the printer prints parses back to the same mask (decode/encode round trip),
    /// in every release with `%pGg`, except that 4.4's table spells `__GFP_ATOMIC` as
    /// "GFP_ATOMIC" (ambiguous by construction) and so is excluded.
    #[test]
    fn printed_names_parse_back(v in release(), raw in any::<u32>()) {
        let layout = Layout::new(v);
        prop_assume!(raw != 0);
        let names = flag_names(raw, &layout);
        let parsed = parse_expr(&names, &layout);
        prop_assert_eq!(parsed, Ok(raw), "{}", names);
        let text = format_pgg_raw(raw, &layout);
        let hex = format!("{raw:#x}");
        prop_assert!(text.starts_with(&hex));
    }

    /// Every era's composites are made of that era's bits only.
    #[test]
    fn composites_use_known_bits(e in era()) {
        let layout = Layout::new(e.representative());
        for (name, value) in &layout.composites {
            prop_assert_eq!(value & !layout.known_bits(), 0, "{}", name);
        }
    }
}

#[derive(Clone, Debug)]
enum Nest {
    Scope(ScopeApi, Vec<Nest>),
}

fn api() -> impl Strategy<Value = ScopeApi> {
    prop_oneof![
        Just(ScopeApi::Nofs),
        Just(ScopeApi::Noio),
        Just(ScopeApi::Noreclaim),
        Just(ScopeApi::Pin),
        Just(ScopeApi::Flags(
            TaskFlags::PF_MEMALLOC_NOFS | TaskFlags::PF_MEMALLOC_PIN
        )),
    ]
}

fn nest() -> impl Strategy<Value = Vec<Nest>> {
    let leaf = api().prop_map(|a| Nest::Scope(a, Vec::new()));
    let tree = leaf.prop_recursive(4, 24, 3, |inner| {
        (api(), prop::collection::vec(inner, 0..3)).prop_map(|(a, kids)| Nest::Scope(a, kids))
    });
    prop::collection::vec(tree, 0..4)
}

fn initial_flags() -> impl Strategy<Value = TaskFlags> {
    prop::sample::subsequence(
        vec![
            TaskFlags::PF_MEMALLOC,
            TaskFlags::PF_MEMALLOC_NOFS,
            TaskFlags::PF_MEMALLOC_NOIO,
            TaskFlags::PF_MEMALLOC_PIN,
            TaskFlags::PF_KTHREAD,
        ],
        0..=5,
    )
    .prop_map(|v| v.into_iter().fold(TaskFlags::NONE, |a, b| a | b))
}

/// Run a nest LIFO: save, recurse, restore with the cookie the save returned.
fn run(task: &mut Task, sem: ScopeSemantics, nests: &[Nest], events: &mut Vec<ScopeEvent>) {
    for Nest::Scope(api, kids) in nests {
        let (cookie, ev) = task.scope_save(sem, *api, &CallSite::new("f", 1));
        events.push(ev);
        // Inside the scope every bit the API sets is in force.
        assert!(task.flags.contains(api.mask()));
        run(task, sem, kids, events);
        let restore_api = *api;
        events.extend(task.scope_restore(sem, restore_api, cookie, &CallSite::new("f", 2)));
    }
}

proptest! {
    /// Any LIFO nest of save/restore pairs gives back the exact original task flags
    /// (6.12 semantics) and reports no anomaly.
    #[test]
    fn nested_scopes_restore_original_flags(init in initial_flags(), nests in nest()) {
        let mut task = Task::with_flags(1, "t", init);
        let mut events = Vec::new();
        run(&mut task, ScopeSemantics::Flags6_10, &nests, &mut events);
        prop_assert_eq!(task.flags, init);
        prop_assert!(task.scopes.is_empty());
        let anomalies: Vec<_> = events.iter().filter(|e| e.is_anomaly()).collect();
        prop_assert!(anomalies.is_empty(), "{:?}", anomalies);
    }

    /// The documented difference (scenarios §3): inside an outer NOFS scope, a handed-off
    /// inner scope restored with cookie 0 keeps NOFS in 6.12 but clears it before 6.10,
    /// whatever scopes surround it.
    #[test]
    fn restore_zero_clears_outer_nofs_only_before_6_10(init in initial_flags(), outer in nest()) {
        prop_assume!(!init.contains(TaskFlags::PF_MEMALLOC_NOFS));
        for sem in [ScopeSemantics::Flags6_10, ScopeSemantics::Pre6_10] {
            let mut task = Task::with_flags(1, "kworker", init);
            let mut events = Vec::new();
            run(&mut task, sem, &outer, &mut events);
            let (outer_cookie, _) = task.memalloc_nofs_save(sem, &CallSite::new("worker", 10));
            let (_inner, _) = task.memalloc_nofs_save(sem, &CallSite::new("xfs_trans_alloc", 20));
            let ev = task.memalloc_nofs_restore(sem, 0, &CallSite::new("xfs_trans_free", 30));
            let kept = task.flags.contains(TaskFlags::PF_MEMALLOC_NOFS);
            match sem {
                ScopeSemantics::Flags6_10 => prop_assert!(kept),
                ScopeSemantics::Pre6_10 => {
                    prop_assert!(!kept);
                    let cleared = ev
                        .iter()
                        .any(|e| matches!(e, ScopeEvent::OuterScopeCleared { .. }));
                    prop_assert!(cleared);
                }
            }
            task.memalloc_nofs_restore(sem, outer_cookie, &CallSite::new("worker", 40));
            prop_assert_eq!(task.flags, init);
        }
    }
}
