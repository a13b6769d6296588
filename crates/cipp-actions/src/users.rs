//! User management for one tenant. (Filled in by the user-actions work.)
