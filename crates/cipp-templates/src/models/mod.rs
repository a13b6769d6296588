//! Template models, as CIPP stores them. Unknown fields are kept (`extra`), so a template read
//! and written back loses nothing.

pub mod assignment_filter;
pub mod ca;
pub mod group;
pub mod intune;
pub mod reusable_setting;
pub mod transport;

pub use assignment_filter::AssignmentFilterTemplate;
pub use ca::{CaConditions, CaLocations, CaTemplate, CaUsers, NamedLocation};
pub use group::{mail_nickname_of, GroupTemplate, GroupType};
pub use intune::{AppPlatform, IntuneKind, IntuneTemplate};
pub use reusable_setting::ReusableSettingTemplate;
pub use transport::TransportRuleTemplate;
