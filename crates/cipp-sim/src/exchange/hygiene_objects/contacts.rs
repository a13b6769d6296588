//! Mail contacts and the contacts behind them.

use super::*;

/// An address as given: `SMTP:` prefix dropped.
fn bare_address(a: &str) -> String {
    let t = a.trim();
    t.strip_prefix("SMTP:")
        .or_else(|| t.strip_prefix("smtp:"))
        .unwrap_or(t)
        .to_string()
}

pub(super) fn new_mail_contact(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    params: &Row,
) -> Answer {
    let contact_name = required(params, name, "Name")?;
    let address = bare_address(&required(params, name, "ExternalEmailAddress")?);
    let valid = address
        .split_once('@')
        .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !d.starts_with('.'));
    if !valid {
        return Err(invalid(
            &format!("'{address}' is not a valid SMTP address."),
            "ExternalEmailAddress",
        ));
    }
    let contacts = nouns.entry(MAIL_CONTACTS.into()).or_default();
    if contacts.iter().any(|r| matches_identity(r, &contact_name)) {
        return Err(exists(&contact_name));
    }
    if contacts.iter().any(|r| matches_identity(r, &address)) {
        return Err(invalid(
            &format!("The proxy address 'SMTP:{address}' is already being used."),
            "ExternalEmailAddress",
        ));
    }
    let guid = uuid::Uuid::new_v4().to_string();
    let object_id = uuid::Uuid::new_v4().to_string();
    let display = param(params, "DisplayName")
        .map(text)
        .unwrap_or_else(|| contact_name.clone());
    let alias: String = address
        .split('@')
        .next()
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let mail = obj(
        json!({"Identity": contact_name, "Name": contact_name, "Alias": alias,
        "DisplayName": display, "ExternalEmailAddress": format!("SMTP:{address}"),
        "PrimarySmtpAddress": address, "EmailAddresses": [format!("SMTP:{address}")],
        "RecipientTypeDetails": "MailContact", "HiddenFromAddressListsEnabled": false,
        "MailTip": null,
        "Guid": guid, "ExternalDirectoryObjectId": object_id}),
    );
    contacts.push(mail.clone());
    nouns.entry(CONTACTS.into()).or_default().push(obj(json!({
        "Identity": contact_name, "Name": contact_name, "DisplayName": display,
        "FirstName": param(params, "FirstName").map(text).unwrap_or_default(),
        "LastName": param(params, "LastName").map(text).unwrap_or_default(),
        "WindowsEmailAddress": address, "PrimarySmtpAddress": address,
        "Company": "", "Title": "", "Phone": "", "MobilePhone": "", "WebPage": "",
        "StreetAddress": "", "City": "", "StateOrProvince": "", "PostalCode": "",
        "CountryOrRegion": "", "Guid": guid,
        "ExternalDirectoryObjectId": object_id, "RecipientTypeDetails": "MailContact"})));
    Ok((vec![mail], Vec::new()))
}

/// `Set-Contact`: the contact's details; its display name shows on the mail contact too.
pub(super) fn set_contact(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    params: &Row,
) -> Answer {
    let id = required(params, name, "Identity")?;
    let contact = find(nouns.entry(CONTACTS.into()).or_default(), &id)?;
    for (k, v) in params {
        if ["Identity", "Confirm", "Force", "WhatIf", "ErrorAction"]
            .iter()
            .any(|c| c.eq_ignore_ascii_case(k))
        {
            continue;
        }
        if prop(contact, k).is_none() {
            return Err(binding(
                &format!("A parameter cannot be found that matches parameter name '{k}'."),
                k,
            ));
        }
        put(contact, k, v.clone());
    }
    let guid = prop(contact, "Guid").map(text).unwrap_or_default();
    if let Some(display) = param(params, "DisplayName").cloned() {
        if let Some(mail) = nouns
            .get_mut(MAIL_CONTACTS)
            .and_then(|rows| rows.iter_mut().find(|r| matches_identity(r, &guid)))
        {
            put(mail, "DisplayName", display);
        }
    }
    Ok((Vec::new(), Vec::new()))
}

pub(super) fn remove_mail_contact(
    nouns: &mut BTreeMap<String, Vec<Row>>,
    name: &str,
    params: &Row,
) -> Answer {
    let id = required(params, name, "Identity")?;
    let guid = find(nouns.entry(MAIL_CONTACTS.into()).or_default(), &id)
        .map(|r| prop(r, "Guid").map(text).unwrap_or_default())?;
    for noun in [MAIL_CONTACTS, CONTACTS] {
        if let Some(rows) = nouns.get_mut(noun) {
            rows.retain(|r| !matches_identity(r, &guid));
        }
    }
    Ok((Vec::new(), Vec::new()))
}
