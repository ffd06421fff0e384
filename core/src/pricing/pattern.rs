//! Model patterns: exact names and anchored globs (`*` = any run of characters, `claude-*`).

/// How well a pattern matches a model; greater is more specific. An exact name beats every glob;
/// among globs the one with more literal characters wins (`claude-3-5-*` over `claude-*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Specificity {
    /// A glob, by its count of literal characters.
    Glob(usize),
    /// The pattern is the model's name.
    Exact,
}

/// The specificity of `pattern` for `model`, or `None` when it does not match. Case-sensitive.
pub(crate) fn specificity(pattern: &str, model: &str) -> Option<Specificity> {
    if !pattern.contains('*') {
        return (pattern == model).then_some(Specificity::Exact);
    }
    glob_matches(pattern, model)
        .then(|| Specificity::Glob(pattern.len() - pattern.matches('*').count()))
}

/// Anchored glob match: the pieces between `*`s appear in order, the first at the start and the
/// last at the end.
fn glob_matches(pattern: &str, text: &str) -> bool {
    let pieces: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (pieces[0], pieces[pieces.len() - 1]);
    if text.len() < first.len() + last.len() || !text.starts_with(first) || !text.ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for piece in &pieces[1..pieces.len() - 1] {
        match rest.find(piece) {
            Some(at) => rest = &rest[at + piece.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_are_anchored_and_ranked() {
        assert_eq!(
            specificity("claude-*", "claude-x"),
            Some(Specificity::Glob(7))
        );
        assert_eq!(specificity("claude-*", "my-claude-x"), None);
        assert_eq!(
            specificity("*claude*", "my-claude-x"),
            Some(Specificity::Glob(6))
        );
        assert_eq!(specificity("a*b*a", "aa"), None);
        assert_eq!(specificity("a*b*a", "abba"), Some(Specificity::Glob(3)));
        assert!(Specificity::Exact > Specificity::Glob(100));
    }
}
