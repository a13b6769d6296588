//! A folder of template files.

use std::path::{Path, PathBuf};

use crate::error::TemplateError;
use crate::template::{Template, TemplateKind};

/// Templates read from a folder (recursively), found by GUID or display name.
///
/// ```no_run
/// use cipp_templates::TemplateLibrary;
/// let library = TemplateLibrary::load("templates")?;
/// let mfa = library.find("49a8069e-3b46-4680-a035-9250bc675446")?;
/// println!("{} ({})", mfa.display_name(), mfa.kind());
/// # Ok::<(), cipp_templates::TemplateError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct TemplateLibrary {
    templates: Vec<Template>,
}

impl TemplateLibrary {
    /// An empty library.
    pub fn new() -> Self {
        Self::default()
    }

    /// Read every template file under `dir` (files whose name says a template kind, such as
    /// `<guid>.CATemplate.json`, at any depth), in path order. A file that does not parse is
    /// an error naming it.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self, TemplateError> {
        let mut files = Vec::new();
        collect(dir.as_ref(), &mut files)?;
        files.sort();
        let templates = files
            .iter()
            .map(Template::from_file)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TemplateLibrary { templates })
    }

    /// Add a template.
    pub fn push(&mut self, template: Template) {
        self.templates.push(template);
    }

    /// Every template.
    pub fn iter(&self) -> impl Iterator<Item = &Template> {
        self.templates.iter()
    }

    /// Templates of one kind.
    pub fn of_kind(&self, kind: TemplateKind) -> impl Iterator<Item = &Template> {
        self.templates.iter().filter(move |t| t.kind() == kind)
    }

    /// Number of templates.
    pub fn len(&self) -> usize {
        self.templates.len()
    }

    /// `true` when empty.
    pub fn is_empty(&self) -> bool {
        self.templates.is_empty()
    }

    /// The template with this GUID (ignoring case; a file name such as
    /// `<guid>.CATemplate.json` works too).
    pub fn by_guid(&self, guid: &str) -> Option<&Template> {
        let guid = guid.split('.').next().unwrap_or(guid).trim();
        self.templates.iter().find(|t| {
            t.guid
                .as_deref()
                .is_some_and(|g| g.eq_ignore_ascii_case(guid))
        })
    }

    /// The first template with this display name (ignoring case).
    pub fn by_name(&self, name: &str) -> Option<&Template> {
        let name = name.trim();
        self.templates
            .iter()
            .find(|t| t.display_name().trim().eq_ignore_ascii_case(name))
    }

    /// The template with this GUID, else this display name.
    pub fn find(&self, guid_or_name: &str) -> Result<&Template, TemplateError> {
        self.by_guid(guid_or_name)
            .or_else(|| self.by_name(guid_or_name))
            .ok_or_else(|| TemplateError::NotInLibrary {
                query: guid_or_name.to_string(),
            })
    }
}

impl IntoIterator for TemplateLibrary {
    type Item = Template;
    type IntoIter = std::vec::IntoIter<Template>;
    fn into_iter(self) -> Self::IntoIter {
        self.templates.into_iter()
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), TemplateError> {
    let io = |source| TemplateError::Io {
        path: dir.to_path_buf(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.is_dir() {
            collect(&path, out)?;
        } else if path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(TemplateKind::from_file_name)
            .is_some()
        {
            out.push(path);
        }
    }
    Ok(())
}
