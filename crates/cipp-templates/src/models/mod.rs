//! Template models, as CIPP stores them. Unknown fields are kept (`extra`), so a template read
//! and written back loses nothing.

pub mod assignment_filter;
pub mod ca;
pub mod compliance;
pub mod group;
pub mod intune;
pub mod reusable_setting;
pub mod transport;

pub use assignment_filter::AssignmentFilterTemplate;
pub use ca::{CaConditions, CaLocations, CaTemplate, CaUsers, NamedLocation};
pub use compliance::CompliancePolicyTemplate;
pub use group::{mail_nickname_of, GroupTemplate, GroupType};
pub use intune::{AppPlatform, IntuneKind, IntuneTemplate};
pub use reusable_setting::ReusableSettingTemplate;
pub use transport::TransportRuleTemplate;
pub mod allow_block;
pub mod exchange_connector;
pub use allow_block::TenantAllowBlockListTemplate;
pub use exchange_connector::{ConnectorDirection, ExchangeConnectorTemplate};
pub mod safe_links;
pub use safe_links::SafeLinksTemplate;
pub mod contact;
pub use contact::ContactTemplate;
pub mod sensitivity_label;
pub use sensitivity_label::SensitivityLabelTemplate;
pub mod sensitive_info_type;
pub use sensitive_info_type::SensitiveInfoTypeTemplate;
