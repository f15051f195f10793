//! Keyboard shortcuts: one table, used both by the key handler and by the `?` overlay.

/// What a key press asks the app to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyAction {
    Step,
    StepBack,
    StepOver,
    StepOut,
    PlayPause,
    RunToEnd,
    Reset,
    ToggleHelp,
    CloseOverlay,
    ToggleTheme,
    TogglePresentation,
    FirstStep,
}

/// One row of the shortcut table.
pub struct Shortcut {
    /// Keys as shown to the user.
    pub keys: &'static str,
    /// What the first listed key does (checked by the tests against `key_action`).
    #[cfg_attr(not(test), allow(dead_code))]
    pub action: KeyAction,
    pub what: &'static str,
}

/// Every shortcut, in the order the help overlay lists them.
pub const SHORTCUTS: &[Shortcut] = &[
    Shortcut {
        keys: "→  or  j",
        action: KeyAction::Step,
        what: "Step one statement (into calls)",
    },
    Shortcut {
        keys: "←  or  k",
        action: KeyAction::StepBack,
        what: "Step back one statement",
    },
    Shortcut {
        keys: "n",
        action: KeyAction::StepOver,
        what: "Step over a call",
    },
    Shortcut {
        keys: "o",
        action: KeyAction::StepOut,
        what: "Step out of the current function",
    },
    Shortcut {
        keys: "Space",
        action: KeyAction::PlayPause,
        what: "Play / pause",
    },
    Shortcut {
        keys: "e  or  End",
        action: KeyAction::RunToEnd,
        what: "Run to the end",
    },
    Shortcut {
        keys: "Home",
        action: KeyAction::FirstStep,
        what: "Go to step 0",
    },
    Shortcut {
        keys: "r",
        action: KeyAction::Reset,
        what: "Reset the run",
    },
    Shortcut {
        keys: "t",
        action: KeyAction::ToggleTheme,
        what: "Light / dark theme",
    },
    Shortcut {
        keys: "p",
        action: KeyAction::TogglePresentation,
        what: "Presentation zoom (projector)",
    },
    Shortcut {
        keys: "?",
        action: KeyAction::ToggleHelp,
        what: "Show / hide this help",
    },
    Shortcut {
        keys: "Esc",
        action: KeyAction::CloseOverlay,
        what: "Close the help, leave the editor",
    },
];

/// Maps a `KeyboardEvent.key` to an action.
///
/// `in_text_field` is true when focus is in the editor or another input: there only
/// Escape is ours, every other key belongs to the field. Keys with Ctrl, Alt or Meta
/// held are left to the browser.
pub fn key_action(key: &str, modifier: bool, in_text_field: bool) -> Option<KeyAction> {
    if key == "Escape" {
        return Some(KeyAction::CloseOverlay);
    }
    if in_text_field || modifier {
        return None;
    }
    Some(match key {
        "ArrowRight" | "j" | "s" => KeyAction::Step,
        "ArrowLeft" | "k" | "b" => KeyAction::StepBack,
        "n" => KeyAction::StepOver,
        "o" => KeyAction::StepOut,
        " " | "Spacebar" => KeyAction::PlayPause,
        "e" | "End" => KeyAction::RunToEnd,
        "Home" => KeyAction::FirstStep,
        "r" => KeyAction::Reset,
        "t" => KeyAction::ToggleTheme,
        "p" => KeyAction::TogglePresentation,
        "?" => KeyAction::ToggleHelp,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn arrows_and_vi_keys_step() {
        assert_eq!(
            key_action("ArrowRight", false, false),
            Some(KeyAction::Step)
        );
        assert_eq!(key_action("j", false, false), Some(KeyAction::Step));
        assert_eq!(
            key_action("ArrowLeft", false, false),
            Some(KeyAction::StepBack)
        );
        assert_eq!(key_action("k", false, false), Some(KeyAction::StepBack));
        assert_eq!(key_action(" ", false, false), Some(KeyAction::PlayPause));
    }

    #[wasm_bindgen_test]
    fn typing_in_the_editor_is_not_stepping() {
        assert_eq!(key_action("j", false, true), None);
        assert_eq!(key_action(" ", false, true), None);
        assert_eq!(
            key_action("Escape", false, true),
            Some(KeyAction::CloseOverlay)
        );
    }

    #[wasm_bindgen_test]
    fn browser_shortcuts_are_left_alone() {
        assert_eq!(key_action("r", true, false), None);
        assert_eq!(key_action("F5", false, false), None);
    }

    #[wasm_bindgen_test]
    fn every_action_but_close_is_reachable_from_its_listed_first_key() {
        for s in SHORTCUTS {
            let first = s.keys.split_whitespace().next().unwrap_or("");
            let key = match first {
                "→" => "ArrowRight",
                "←" => "ArrowLeft",
                "Space" => " ",
                "Esc" => "Escape",
                k => k,
            };
            assert_eq!(key_action(key, false, false), Some(s.action), "{}", s.keys);
        }
    }
}
