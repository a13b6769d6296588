//! Offboarding. (Filled in by the user-actions work.)
