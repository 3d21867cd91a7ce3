//! Which of the images a unit deployed stay on the engine, so `sluice rollback` needs no
//! registry; only images this unit deployed are ever removed.

use crate::engine::Engine;
use crate::state::{Current, StagedState};
use sluice_sdk::Error;

/// The images to keep, newest first (`deployed` first), and the ones to remove: `history` is
/// the images deployed before, newest first.
pub fn kept_and_pruned(
    deployed: &str,
    history: &[String],
    keep: usize,
) -> (Vec<String>, Vec<String>) {
    let mut newest_first = vec![deployed.to_owned()];
    for image in history {
        if !newest_first.contains(image) {
            newest_first.push(image.clone());
        }
    }
    let pruned = newest_first.split_off(keep.max(1).min(newest_first.len()));
    (newest_first, pruned)
}

/// The `current` a finalized deployment of `staged` leaves: its new container live, the unit's
/// images beyond `keep` removed.
pub fn finalized(engine: &Engine, staged: StagedState, keep: u32) -> Result<Current, Error> {
    let images = prune(engine, &staged.new.image, &staged.history, keep)?;
    Ok(Current {
        live: staged.new,
        images,
    })
}

/// Removes the images beyond `keep`; returns the ones kept, newest first.
pub fn prune(
    engine: &Engine,
    deployed: &str,
    history: &[String],
    keep: u32,
) -> Result<Vec<String>, Error> {
    let (kept, pruned) = kept_and_pruned(deployed, history, keep as usize);
    for image in &pruned {
        engine.remove_image(image)?;
    }
    if !pruned.is_empty() {
        sluice_sdk::info!(
            "removed images beyond keep_images = {keep}: {}",
            pruned.join(", ")
        );
    }
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_newest_images_are_kept_and_the_oldest_pruned() {
        let history = names(&["a:v3", "a:v2", "a:v1"]);
        let (kept, pruned) = kept_and_pruned("a:v4", &history, 3);
        assert_eq!(kept, names(&["a:v4", "a:v3", "a:v2"]));
        assert_eq!(pruned, names(&["a:v1"]));
    }

    #[test]
    fn redeploying_an_older_image_moves_it_to_the_front() {
        let history = names(&["a:v2", "a:v1"]);
        let (kept, pruned) = kept_and_pruned("a:v1", &history, 2);
        assert_eq!(kept, names(&["a:v1", "a:v2"]));
        assert!(pruned.is_empty());
    }

    #[test]
    fn the_deployed_image_is_kept_even_with_keep_zero() {
        let (kept, pruned) = kept_and_pruned("a:v2", &names(&["a:v1"]), 0);
        assert_eq!(kept, names(&["a:v2"]));
        assert_eq!(pruned, names(&["a:v1"]));
    }
}
