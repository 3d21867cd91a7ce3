//! Names this plugin gives things: the preview branch of a version, and the commit message that
//! marks a deployment as made by one sluice deployment.

/// The most bytes of a deployment's commit message the API accepts.
pub const MAX_COMMIT_MESSAGE_BYTES: usize = 384;
/// The line that ties a Pages deployment to the sluice deployment that made it.
const TRAILER: &str = "sluice-deployment: ";
/// Characters of the version kept in a preview branch name.
const MAX_BRANCH_SLUG: usize = 40;

/// The preview branch for `version`: `sluice-` and the version in lowercase letters, digits
/// and dashes (what Pages keeps of a branch name in its alias).
pub fn preview_branch(version: &str) -> String {
    let mut slug = String::new();
    for c in version.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug: String = slug
        .trim_matches('-')
        .chars()
        .take(MAX_BRANCH_SLUG)
        .collect();
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "sluice-preview".to_owned()
    } else {
        format!("sluice-{slug}")
    }
}

/// The commit message for a deployment made by sluice deployment `deployment_id`: `message`
/// (default: `Deploy VERSION with sluice`) cut to fit, then a `sluice-deployment:` line.
pub fn commit_message(message: Option<&str>, version: &str, deployment_id: &str) -> String {
    let trailer = format!("\n\n{TRAILER}{deployment_id}");
    let default = format!("Deploy {version} with sluice");
    let message = message.unwrap_or(&default);
    let room = MAX_COMMIT_MESSAGE_BYTES.saturating_sub(trailer.len());
    let mut cut = message.len().min(room);
    while !message.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{trailer}", message[..cut].trim_end())
}

/// Whether a deployment's commit message says sluice deployment `deployment_id` made it.
pub fn made_by(commit_message: &str, deployment_id: &str) -> bool {
    commit_message
        .lines()
        .any(|line| line.strip_prefix(TRAILER) == Some(deployment_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_becomes_a_lowercase_dashed_branch() {
        assert_eq!(preview_branch("v1.2.3"), "sluice-v1-2-3");
        assert_eq!(
            preview_branch("Release_2024/06 rc"),
            "sluice-release-2024-06-rc"
        );
        assert_eq!(preview_branch("--"), "sluice-preview");
    }

    #[test]
    fn a_long_version_is_cut_without_a_dangling_dash() {
        let branch = preview_branch(&format!("{}-x", "a".repeat(39)));
        assert_eq!(branch, format!("sluice-{}", "a".repeat(39)));
    }

    #[test]
    fn the_commit_message_carries_the_deployment_and_is_found_again() {
        let message = commit_message(None, "v2", "0193-abc");
        assert_eq!(
            message,
            "Deploy v2 with sluice\n\nsluice-deployment: 0193-abc"
        );
        assert!(made_by(&message, "0193-abc"));
        assert!(!made_by(&message, "0193-ab"));
    }

    #[test]
    fn a_long_message_is_cut_to_384_bytes_on_a_character_boundary_keeping_the_line() {
        let long = "é".repeat(300);
        let message = commit_message(Some(&long), "v1", "d1");
        assert!(
            message.len() <= MAX_COMMIT_MESSAGE_BYTES,
            "{}",
            message.len()
        );
        assert!(made_by(&message, "d1"));
    }
}
