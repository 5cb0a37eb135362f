use std::fmt;

/// Why a formatting operation failed; the text is CPython's message for the
/// same failure (`TypeError: not enough arguments for format string`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    /// `"TypeError"`, `"ValueError"`, `"KeyError"` or `"OverflowError"`
    /// (and `"MemoryError"` for a padding request too large to honour, see
    /// [`MAX_PAD`](crate::pyfmt::MAX_PAD)).
    pub kind: &'static str,
    pub message: String,
}

impl FormatError {
    pub(crate) fn new(kind: &'static str, message: impl Into<String>) -> Self {
        FormatError { kind, message: message.into() }
    }

    pub(crate) fn type_error(message: impl Into<String>) -> Self {
        Self::new("TypeError", message)
    }

    pub(crate) fn value_error(message: impl Into<String>) -> Self {
        Self::new("ValueError", message)
    }

    pub(crate) fn overflow_error(message: impl Into<String>) -> Self {
        Self::new("OverflowError", message)
    }

    pub(crate) fn memory_error() -> Self {
        Self::new("MemoryError", "")
    }
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for FormatError {}
