//! `sluice:deploy/plan-notes` (since WIT 0.1.1): what a plugin's `plan` says about the
//! deployment beyond its changes, today whether it would be irreversible. Always provided.
//!
//! Threat model: a hostile plugin could flood the host with notes, or forge terminal output
//! through them. What stops it: at most [`MAX_NOTES`] notes of [`MAX_NOTE_BYTES`] each are kept
//! (longer ones cut with a marker, more dropped), and control characters are stripped as in
//! `log`. A plugin can only make
//! a deployment *harder* to start with a note (it asks for explicit consent), never easier; a
//! plugin that hides irreversibility is a defect the plan's reviewer has to catch, as with any
//! plugin that lies in its plan.

use wasmtime::component::{HasSelf, Linker};

use super::CapError;
use super::capability::{Access, CallSetup, Capability, Provide, StoreView};
use crate::wit::plan_notes::Host;

/// The most notes kept from one call.
pub const MAX_NOTES: usize = 32;
/// The longest note kept, in bytes.
pub const MAX_NOTE_BYTES: usize = 1024;

/// The notes of one lifecycle call.
#[derive(Debug, Default)]
pub struct PlanNotesCap {
    irreversible: Vec<String>,
}

impl PlanNotesCap {
    /// Why the planned deployment would be irreversible, in the order the plugin said it.
    pub fn irreversible(&self) -> &[String] {
        &self.irreversible
    }

    /// Keeps one reason, cleaned and cut, while under the cap.
    pub fn note_irreversible(&mut self, reason: &str) {
        if self.irreversible.len() < MAX_NOTES {
            self.irreversible
                .push(super::log::clean(reason, MAX_NOTE_BYTES));
        }
    }
}

impl Host for PlanNotesCap {
    async fn irreversible(&mut self, reason: String) -> wasmtime::Result<()> {
        self.note_irreversible(&reason);
        Ok(())
    }
}

/// `sluice:deploy/plan-notes`, always provided.
pub struct PlanNotes;

impl Capability for PlanNotes {
    fn name(&self) -> &'static str {
        "plan-notes"
    }
    fn interfaces(&self) -> &'static [&'static str] {
        &["sluice:deploy/plan-notes"]
    }
    fn access(&self) -> Access {
        Access::Always
    }
}

impl Provide for PlanNotes {
    type State = PlanNotesCap;

    fn state(&self, _call: &CallSetup<'_>) -> Result<PlanNotesCap, CapError> {
        Ok(PlanNotesCap::default())
    }

    fn add_to_linker<T: StoreView + 'static>(
        linker: &mut Linker<T>,
        get: fn(&mut T) -> &mut PlanNotesCap,
    ) -> wasmtime::Result<()> {
        crate::wit::plan_notes::add_to_linker::<T, HasSelf<PlanNotesCap>>(linker, get)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_are_cleaned_cut_and_capped() {
        let mut notes = PlanNotesCap::default();
        notes.note_irreversible("V3 drops \u{1b}[2Jcolumn `email`");
        notes.note_irreversible(&"é".repeat(MAX_NOTE_BYTES));
        for _ in 0..MAX_NOTES {
            notes.note_irreversible("again");
        }
        assert_eq!(notes.irreversible().len(), MAX_NOTES);
        assert_eq!(notes.irreversible()[0], "V3 drops [2Jcolumn `email`");
        assert!(notes.irreversible()[1].ends_with(" [truncated]"));
        assert!(notes.irreversible()[1].len() <= MAX_NOTE_BYTES + " [truncated]".len());
    }
}
