use std::fmt;

/// Why a formatting operation failed; the text is CPython's message for the
/// same failure (`TypeError: not enough arguments for format string`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    /// `"TypeError"`, `"ValueError"`, `"KeyError"` or `"OverflowError"`.
    pub kind: &'static str,
    pub message: String,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for FormatError {}
