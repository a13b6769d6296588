//! Licences: add and remove by SKU part number, SKU id or product name.
//!
//! Product names come from a [`LicenceCatalogue`] the caller loads (Microsoft's licensing
//! service-plan reference, the `ConversionTable.csv` CIPP ships: columns
//! `Product_Display_Name`, `String_Id`, `GUID`). The crate carries no copy of it.

use std::collections::BTreeMap;

use serde_json::json;

use super::{check_user, invalid, UserActions};
use crate::ActionError;

/// One licensable product: its name, SKU part number and SKU id.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LicenceProduct {
    /// Product name (`Microsoft 365 E3`).
    pub display_name: String,
    /// SKU part number (`SPE_E3`).
    pub sku_part_number: String,
    /// SKU id (GUID).
    pub sku_id: String,
}

/// Product names for SKUs, loaded from CSV text in `ConversionTable.csv`'s shape.
#[derive(Debug, Clone, Default)]
pub struct LicenceCatalogue {
    /// By SKU id, lower case.
    by_id: BTreeMap<String, LicenceProduct>,
}

impl LicenceCatalogue {
    /// Read CSV text with a header naming `Product_Display_Name`, `String_Id` and `GUID`
    /// (other columns ignored; one product may span many rows, one per service plan).
    pub fn from_csv(text: &str) -> Result<Self, ActionError> {
        let (header, records) = cipp_core::csv::with_header(text);
        let col = |name: &str| {
            header
                .iter()
                .position(|h| h.eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    invalid(
                        "catalogue",
                        format!("the CSV header has no '{name}' column"),
                    )
                })
        };
        let (name_col, part_col, id_col) = (
            col("Product_Display_Name")?,
            col("String_Id")?,
            col("GUID")?,
        );
        let mut by_id = BTreeMap::new();
        for record in records {
            let f = record.fields;
            let get = |i: usize| f.get(i).map(|s| s.trim().to_string()).unwrap_or_default();
            let id = get(id_col);
            if !cipp_core::is_guid(&id) {
                return Err(invalid(
                    format!("catalogue line {}", record.line),
                    format!("GUID '{id}' is not a GUID"),
                ));
            }
            by_id
                .entry(id.to_ascii_lowercase())
                .or_insert_with(|| LicenceProduct {
                    display_name: get(name_col),
                    sku_part_number: get(part_col),
                    sku_id: id.to_ascii_lowercase(),
                });
        }
        Ok(LicenceCatalogue { by_id })
    }

    /// Number of products.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// `true` when no product was loaded.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The product with this SKU id.
    pub fn by_id(&self, sku_id: &str) -> Option<&LicenceProduct> {
        self.by_id.get(&sku_id.to_ascii_lowercase())
    }

    /// The products whose name is `name` (any case).
    pub fn by_name<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a LicenceProduct> + 'a {
        self.by_id
            .values()
            .filter(move |p| p.display_name.eq_ignore_ascii_case(name.trim()))
    }

    /// A friendly name for a SKU id or part number, if known.
    pub fn friendly_name(&self, sku: &str) -> Option<&str> {
        self.by_id(sku)
            .or_else(|| {
                self.by_id
                    .values()
                    .find(|p| p.sku_part_number.eq_ignore_ascii_case(sku))
            })
            .map(|p| p.display_name.as_str())
    }
}

/// Licences to add and remove. Each entry is a SKU part number (`SPE_E3`), a SKU id, or (with
/// a catalogue) a product name (`Microsoft 365 E3`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LicenceChange {
    /// Licences to assign.
    pub add: Vec<String>,
    /// Licences to take away.
    pub remove: Vec<String>,
}

impl LicenceChange {
    /// Assign these licences.
    pub fn add<I: IntoIterator<Item = S>, S: Into<String>>(skus: I) -> Self {
        LicenceChange {
            add: skus.into_iter().map(Into::into).collect(),
            remove: Vec::new(),
        }
    }

    /// Take these licences away.
    pub fn remove<I: IntoIterator<Item = S>, S: Into<String>>(skus: I) -> Self {
        LicenceChange {
            add: Vec::new(),
            remove: skus.into_iter().map(Into::into).collect(),
        }
    }
}

/// The tenant's SKUs: (skuId, skuPartNumber).
type TenantSkus = Vec<(String, String)>;

fn resolve_sku(
    field: String,
    wanted: &str,
    skus: &TenantSkus,
    catalogue: Option<&LicenceCatalogue>,
) -> Result<String, ActionError> {
    let w = wanted.trim();
    if w.is_empty() {
        return Err(invalid(field, "is empty"));
    }
    let found = skus
        .iter()
        .find(|(id, part)| id.eq_ignore_ascii_case(w) || part.eq_ignore_ascii_case(w))
        .or_else(|| {
            let catalogue = catalogue?;
            catalogue.by_name(w).find_map(|p| {
                skus.iter().find(|(id, part)| {
                    id.eq_ignore_ascii_case(&p.sku_id)
                        || part.eq_ignore_ascii_case(&p.sku_part_number)
                })
            })
        });
    match found {
        Some((id, _)) => Ok(id.clone()),
        None => {
            let have: Vec<String> = skus
                .iter()
                .map(
                    |(id, part)| match catalogue.and_then(|c| c.friendly_name(id)) {
                        Some(name) => format!("{part} ({name})"),
                        None => part.clone(),
                    },
                )
                .collect();
            Err(invalid(
                field,
                format!(
                    "'{w}' is not a subscribed SKU of this tenant (it has: {})",
                    have.join(", ")
                ),
            ))
        }
    }
}

impl UserActions {
    /// The tenant's subscribed SKUs as (id, part number).
    async fn tenant_skus(&self) -> Result<TenantSkus, ActionError> {
        let v = self
            .graph
            .get("subscribedSkus?$select=skuId,skuPartNumber")
            .await
            .map_err(|e| self.graph_error("list subscribed SKUs", "-", e))?;
        Ok(v["value"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| {
                Some((
                    s["skuId"].as_str()?.to_string(),
                    s["skuPartNumber"].as_str().unwrap_or_default().to_string(),
                ))
            })
            .collect())
    }

    /// Add and remove licences in one `assignLicense` call. Returns the SKU ids the user holds
    /// afterwards. Names are checked against the tenant's subscriptions before anything is
    /// sent; a SKU both added and removed is refused.
    pub async fn set_licences(
        &self,
        user: &str,
        change: &LicenceChange,
        catalogue: Option<&LicenceCatalogue>,
    ) -> Result<Vec<String>, ActionError> {
        check_user(user)?;
        if change.add.is_empty() && change.remove.is_empty() {
            return Err(invalid("licences", "name no licence to add or remove"));
        }
        let skus = self.tenant_skus().await?;
        let resolve_all = |list: &[String], name: &str| -> Result<Vec<String>, ActionError> {
            let mut out: Vec<String> = Vec::new();
            for (i, w) in list.iter().enumerate() {
                let id = resolve_sku(format!("{name}[{i}]"), w, &skus, catalogue)?;
                if !out.iter().any(|o| o.eq_ignore_ascii_case(&id)) {
                    out.push(id);
                }
            }
            Ok(out)
        };
        let add = resolve_all(&change.add, "licences.add")?;
        let remove = resolve_all(&change.remove, "licences.remove")?;
        if let Some(both) = add
            .iter()
            .find(|a| remove.iter().any(|r| r.eq_ignore_ascii_case(a)))
        {
            return Err(invalid(
                "licences",
                format!("SKU {both} is both added and removed"),
            ));
        }
        let current = self.get(user).await?;
        let id = current.id.clone().unwrap_or_else(|| user.to_string());
        let held: Vec<String> = current
            .assigned_licenses
            .unwrap_or_default()
            .into_iter()
            .filter_map(|l| l.sku_id)
            .collect();
        // Removing a licence the user does not hold is already the wanted state.
        let remove: Vec<String> = remove
            .into_iter()
            .filter(|r| held.iter().any(|h| h.eq_ignore_ascii_case(r)))
            .collect();
        let add: Vec<String> = add
            .into_iter()
            .filter(|a| !held.iter().any(|h| h.eq_ignore_ascii_case(a)))
            .collect();
        if add.is_empty() && remove.is_empty() {
            return Ok(held);
        }
        let body = json!({
            "addLicenses": add.iter().map(|s| json!({"skuId": s, "disabledPlans": []})).collect::<Vec<_>>(),
            "removeLicenses": remove,
        });
        let answer = self
            .graph
            .post(&format!("users/{id}/assignLicense"), &body)
            .await
            .map_err(|e| self.graph_error("assign licences", user, e))?;
        Ok(answer["assignedLicenses"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|l| l["skuId"].as_str().map(str::to_string))
            .collect())
    }

    /// Remove every directly assigned licence. Returns the SKU ids removed.
    pub async fn remove_all_licences(&self, user: &str) -> Result<Vec<String>, ActionError> {
        let current = self.get(user).await?;
        let held: Vec<String> = current
            .assigned_licenses
            .unwrap_or_default()
            .into_iter()
            .filter_map(|l| l.sku_id)
            .collect();
        if held.is_empty() {
            return Ok(held);
        }
        let id = current.id.unwrap_or_else(|| user.to_string());
        self.graph
            .post(
                &format!("users/{id}/assignLicense"),
                &json!({"addLicenses": [], "removeLicenses": held}),
            )
            .await
            .map_err(|e| self.graph_error("remove licences", user, e))?;
        Ok(held)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_guid_names_its_line() {
        let text = "Product_Display_Name,String_Id,GUID\n\"Plan, with \"\"notes\"\"\nover two lines\",P1,05e9a617-0261-4cee-bb44-138d3ef5d965\nBroken,P2,not-a-guid\n";
        let err = LicenceCatalogue::from_csv(text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("catalogue line 4"), "{err}");
    }

    #[test]
    fn resolves_by_part_number_id_and_name() {
        let cat = LicenceCatalogue::from_csv(
            "Product_Display_Name,String_Id,GUID,Service_Plan_Name\n\"Microsoft 365 E3\",SPE_E3,05e9a617-0261-4cee-bb44-138d3ef5d965,X\n",
        )
        .unwrap_or_default();
        let skus = vec![(
            "05e9a617-0261-4cee-bb44-138d3ef5d965".to_string(),
            "SPE_E3".to_string(),
        )];
        for w in [
            "spe_e3",
            "05E9A617-0261-4cee-bb44-138d3ef5d965",
            "microsoft 365 e3",
        ] {
            assert_eq!(
                resolve_sku("x".into(), w, &skus, Some(&cat))
                    .ok()
                    .as_deref(),
                Some("05e9a617-0261-4cee-bb44-138d3ef5d965")
            );
        }
        let err = resolve_sku("licences.add[0]".into(), "E5", &skus, Some(&cat))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("licences.add[0]") && err.contains("SPE_E3 (Microsoft 365 E3)"),
            "{err}"
        );
    }
}
