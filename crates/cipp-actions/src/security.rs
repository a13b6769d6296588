//! Account-security primitives shared by user management, compromised-account remediation and
//! offboarding. (Filled in by the compromised-account work.)
