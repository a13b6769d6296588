//! Compromised-account research and remediation. (Filled in by the compromised-account work.)
