//! Helpers shared by the integration tests: a plain HTTP client against a running simulator.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cipp_sim::Sim;
use reqwest::header::HeaderMap;
use reqwest::Method;
use serde_json::Value;

pub const GRAPH_SCOPE: &str = "https://graph.microsoft.com/.default";
pub const ALPHA: &str = "alpha.onmicrosoft.com";
pub const BRAVO: &str = "bravo.onmicrosoft.com";
pub const CHARLIE: &str = "charlie.onmicrosoft.com";
pub const ECHO: &str = "echohospitality.onmicrosoft.com";

/// An answer: status, headers and the body as JSON (a string if it is not JSON, null if
/// empty).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The Graph error code.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or_default()
    }

    /// The Graph error message.
    pub fn message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or_default()
    }

    /// The first AADSTS code of a login error.
    pub fn aadsts(&self) -> u64 {
        self.body["error_codes"][0].as_u64().unwrap_or_default()
    }

    pub fn items(&self) -> &Vec<Value> {
        self.body["value"].as_array().expect("a collection body")
    }
}

pub struct Client {
    pub http: reqwest::Client,
}

pub fn client() -> Client {
    Client {
        http: reqwest::Client::new(),
    }
}

async fn answer(resp: reqwest::Response) -> Answer {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Answer {
        status,
        headers,
        body,
    }
}

impl Client {
    /// POST a token request with these extra form fields.
    pub async fn token_form(&self, sim: &Sim, tenant: &str, fields: &[(&str, &str)]) -> Answer {
        let url = format!("{}/{tenant}/oauth2/v2.0/token", sim.login_url());
        answer(self.http.post(url).form(fields).send().await.unwrap()).await
    }

    /// A delegated token request with the seeded app, secret and refresh token.
    pub async fn delegated(&self, sim: &Sim, tenant: &str, scope: &str) -> Answer {
        let c = sim.credentials();
        self.token_form(
            sim,
            tenant,
            &[
                ("client_id", &c.application_id),
                ("client_secret", &c.application_secret),
                ("grant_type", "refresh_token"),
                ("refresh_token", &c.refresh_token),
                ("scope", scope),
            ],
        )
        .await
    }

    /// An app-only token request with the seeded app and secret.
    pub async fn app_only(&self, sim: &Sim, tenant: &str, scope: &str) -> Answer {
        let c = sim.credentials();
        self.token_form(
            sim,
            tenant,
            &[
                ("client_id", &c.application_id),
                ("client_secret", &c.application_secret),
                ("grant_type", "client_credentials"),
                ("scope", scope),
            ],
        )
        .await
    }

    /// A delegated Graph access token for `tenant`.
    pub async fn token(&self, sim: &Sim, tenant: &str) -> String {
        let a = self.delegated(sim, tenant, GRAPH_SCOPE).await;
        assert_eq!(a.status, 200, "{:?}", a.body);
        a.body["access_token"].as_str().unwrap().to_string()
    }

    /// Send a Graph request (`path` below `/graph/`, e.g. `v1.0/users`).
    pub async fn send(
        &self,
        sim: &Sim,
        method: Method,
        token: &str,
        path: &str,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut req = self
            .http
            .request(method, format!("{}/{path}", sim.graph_url()))
            .bearer_auth(token);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        answer(req.send().await.unwrap()).await
    }

    pub async fn get(&self, sim: &Sim, token: &str, path: &str) -> Answer {
        self.send(sim, Method::GET, token, path, None, &[]).await
    }

    /// GET with `ConsistencyLevel: eventual`.
    pub async fn get_eventual(&self, sim: &Sim, token: &str, path: &str) -> Answer {
        self.send(
            sim,
            Method::GET,
            token,
            path,
            None,
            &[("ConsistencyLevel", "eventual")],
        )
        .await
    }

    /// GET an absolute URL (a nextLink).
    pub async fn get_url(&self, token: &str, url: &str) -> Answer {
        answer(self.http.get(url).bearer_auth(token).send().await.unwrap()).await
    }

    pub async fn batch(&self, sim: &Sim, token: &str, body: &Value) -> Answer {
        self.send(sim, Method::POST, token, "v1.0/$batch", Some(body), &[])
            .await
    }

    /// A control API call (`path` below `/_sim/`).
    pub async fn control(
        &self,
        sim: &Sim,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Answer {
        let mut req = self
            .http
            .request(method, format!("{}/_sim/{path}", sim.base_url()));
        if let Some(b) = body {
            req = req.json(b);
        }
        answer(req.send().await.unwrap()).await
    }
}

/// The claims of a JWT (not verified).
pub fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

/// Follow nextLinks from `first`, returning every item and the number of pages.
pub async fn all_pages(c: &Client, token: &str, first: Answer) -> (Vec<Value>, usize) {
    let mut page = first;
    let mut items = Vec::new();
    let mut pages = 0;
    loop {
        assert_eq!(page.status, 200, "{:?}", page.body);
        pages += 1;
        items.extend(page.items().iter().cloned());
        match page.body["@odata.nextLink"].as_str() {
            Some(next) => {
                let next = next.to_string();
                page = c.get_url(token, &next).await;
            }
            None => break,
        }
    }
    (items, pages)
}

/// The id of a customer tenant by domain.
pub fn tenant_id(sim: &Sim, domain: &str) -> String {
    sim.tenants()
        .into_iter()
        .find(|t| t.domains.iter().any(|d| d == domain))
        .map(|t| t.id)
        .unwrap()
}
