//! The resource limiter of a plugin's store: its memory cap, a cap on table elements, and how
//! many instances, tables and memories it may create. A refused growth traps the call, and the
//! limiter records which cap refused so that the runtime can name it.
//!
//! The counts of instances, tables and memories are read once, when the limiter is installed, and
//! checked by wasmtime itself (a component's counts are fixed, so only instantiation can exceed
//! them); the limiter is not told when one refuses.

use wasmtime::ResourceLimiter;

/// Instances, tables and memories one plugin store may create.
const MAX_INSTANCES: usize = 16;
const MAX_TABLES: usize = 16;
const MAX_MEMORIES: usize = 16;
/// The most elements one table may grow to.
pub const MAX_TABLE_ELEMENTS: usize = 100_000;

/// A cap that refused to let the plugin grow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// A linear memory would have grown past the memory limit (or its own declared maximum).
    Memory,
    /// A table would have grown past [`MAX_TABLE_ELEMENTS`] (or its own declared maximum).
    TableElements,
}

/// The limiter of one store.
#[derive(Debug)]
pub struct Limiter {
    memory_bytes: usize,
    refused: Option<Refused>,
}

impl Limiter {
    /// A limiter letting each memory grow to `memory_bytes`.
    pub fn new(memory_bytes: usize) -> Limiter {
        Limiter {
            memory_bytes,
            refused: None,
        }
    }

    /// The cap that refused a growth in this store, if one did.
    pub fn refused(&self) -> Option<Refused> {
        self.refused
    }

    /// Allows growing to `desired` within `cap` and the item's own `maximum`; otherwise records
    /// `refused` and fails, which traps the call.
    fn grow(
        &mut self,
        desired: usize,
        cap: usize,
        maximum: Option<usize>,
        refused: Refused,
    ) -> wasmtime::Result<bool> {
        if desired <= cap && maximum.is_none_or(|maximum| desired <= maximum) {
            return Ok(true);
        }
        self.refused = Some(refused);
        wasmtime::bail!("{refused:?} limit: growing to {desired} refused")
    }
}

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.grow(desired, self.memory_bytes, maximum, Refused::Memory)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        Err(error.context("forcing a memory growth failure to be a trap"))
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.grow(desired, MAX_TABLE_ELEMENTS, maximum, Refused::TableElements)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        Err(error.context("forcing a table growth failure to be a trap"))
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growing_within_the_caps_is_allowed_and_records_nothing() {
        let mut limiter = Limiter::new(1024);
        assert!(limiter.memory_growing(0, 1024, None,).unwrap());
        assert!(
            limiter
                .table_growing(0, MAX_TABLE_ELEMENTS, Some(MAX_TABLE_ELEMENTS))
                .unwrap()
        );
        assert_eq!(limiter.refused(), None);
    }

    #[test]
    fn memory_growing_past_the_limit_fails_and_is_recorded() {
        let mut limiter = Limiter::new(1024);
        assert!(limiter.memory_growing(512, 1025, None).is_err());
        assert_eq!(limiter.refused(), Some(Refused::Memory));
    }

    #[test]
    fn memory_growing_past_its_own_maximum_fails_and_is_recorded() {
        let mut limiter = Limiter::new(1 << 20);
        assert!(limiter.memory_growing(0, 2048, Some(1024)).is_err());
        assert_eq!(limiter.refused(), Some(Refused::Memory));
    }

    #[test]
    fn a_table_growing_past_the_element_cap_fails_and_is_recorded() {
        let mut limiter = Limiter::new(1024);
        assert!(
            limiter
                .table_growing(0, MAX_TABLE_ELEMENTS + 1, None)
                .is_err()
        );
        assert_eq!(limiter.refused(), Some(Refused::TableElements));
    }
}
