//! The console's embedded files, their content hashes and their versioned URLs.
//!
//! The files are compiled into the binary with `include_str!`/`include_bytes!`, so the console
//! needs no files next to the executable and no network beyond our server. Each asset gets a
//! content hash (the first 16 hex digits of its SHA-256), used both as its `ETag` and as the
//! `?v=` query of the URLs the HTML points at, so a browser may cache a versioned URL forever.
//!
//! ES modules import each other with relative URLs (`import { t } from './i18n.js'`). Those
//! imports are rewritten here to carry the imported module's `?v=` too, so every file a page
//! loads is versioned. Because a rewritten module's hash covers the rewritten imports, a change
//! in a leaf module changes the URL of every module that imports it. That is why [`SOURCES`] lists
//! the modules leaves first: a module may only import modules listed before it (a unit test checks).
//!
//! In the debug mode ([`ConsoleConfig::assets_dir`](super::ConsoleConfig::assets_dir)) the same
//! files are read from a directory on every request instead ([`load_dir`]), and built the same way.

use std::io;
use std::path::Path;
use std::sync::OnceLock;

use bytes::Bytes;
use sha2::{Digest, Sha256};

/// One embedded file as written in the source tree.
struct Source {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

/// The [`Source`] of `console/<name>`: the name it is served under is its file name, so the
/// debug mode (see [`load_dir`]) finds it under the same name on disk.
macro_rules! source {
    ($name:literal, $content_type:expr) => {
        Source {
            name: $name,
            content_type: $content_type,
            bytes: include_bytes!(concat!("../../console/", $name)),
        }
    };
}

/// The files served under `/manager/assets/`, leaves first (see the module docs).
const SOURCES: &[Source] = &[
    source!("time.js", JS),
    source!("i18n.js", JS),
    source!("dom.js", JS),
    source!("api.js", JS),
    source!("ws.js", JS),
    source!("delivery.js", JS),
    source!("people.js", JS),
    source!("canned.js", JS),
    source!("notes.js", JS),
    source!("typing.js", JS),
    source!("file-size.js", JS),
    source!("upload-rules.js", JS),
    source!("upload-queue.js", JS),
    source!("attachment-model.js", JS),
    source!("chat-state.js", JS),
    source!("views.js", JS),
    source!("list-paging.js", JS),
    source!("search-state.js", JS),
    source!("attention.js", JS),
    source!("shortcuts.js", JS),
    source!("state.js", JS),
    source!("delivery-view.js", JS),
    source!("attachment-view.js", JS),
    source!("templates.js", JS),
    source!("shell-view.js", JS),
    source!("list-view.js", JS),
    source!("search-view.js", JS),
    source!("help-overlay.js", JS),
    source!("attention-view.js", JS),
    source!("keyboard.js", JS),
    source!("lightbox.js", JS),
    source!("note-view.js", JS),
    source!("chat-view.js", JS),
    source!("contact-view.js", JS),
    source!("contact-controller.js", JS),
    source!("composer-view.js", JS),
    source!("attach-view.js", JS),
    source!("upload-controller.js", JS),
    source!("chat-controller.js", JS),
    source!("notes-controller.js", JS),
    source!("canned-picker.js", JS),
    source!("canned-dialog.js", JS),
    source!("canned-controller.js", JS),
    source!("typing-view.js", JS),
    source!("typing-controller.js", JS),
    source!("app.js", JS),
    source!("styles.css", "text/css; charset=utf-8"),
    source!("favicon.svg", "image/svg+xml"),
];

const JS: &str = "text/javascript; charset=utf-8";

/// The file name of the page template, in the source tree and in a debug directory.
pub(super) const INDEX_FILE: &str = "index.html";

/// The page template; `{{config}}` and `{{asset:NAME}}` are filled in by [`render_index`].
pub(super) const INDEX_TEMPLATE: &str = include_str!("../../console/index.html");

/// An asset ready to serve.
#[derive(Debug)]
pub(super) struct Asset {
    /// The file name under `assets/`.
    pub(super) name: &'static str,
    /// The `Content-Type` header value.
    pub(super) content_type: &'static str,
    /// The bytes served (JS modules with their imports versioned).
    pub(super) body: Bytes,
    /// The content hash: the `?v=` of the versioned URL and, quoted, the `ETag`.
    pub(super) hash: String,
}

/// All assets, built once on first use.
pub(super) fn all() -> &'static [Asset] {
    static ASSETS: OnceLock<Vec<Asset>> = OnceLock::new();
    ASSETS.get_or_init(|| build(SOURCES.iter().map(|s| (s, Bytes::from_static(s.bytes)))))
}

/// Looks an asset up by file name.
pub(super) fn find(name: &str) -> Option<&'static Asset> {
    all().iter().find(|a| a.name == name)
}

/// Whether `name` is the file name of a served asset.
pub(super) fn is_known(name: &str) -> bool {
    SOURCES.iter().any(|s| s.name == name)
}

/// The content hash of some bytes: 16 hex digits of their SHA-256 (64 bits are plenty to tell
/// versions of one file apart).
pub(super) fn content_hash(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    hex::encode(&digest[..8])
}

/// Builds the assets from each source's bytes, in [`SOURCES`] order.
fn build(files: impl IntoIterator<Item = (&'static Source, Bytes)>) -> Vec<Asset> {
    let mut built: Vec<Asset> = Vec::with_capacity(SOURCES.len());
    for (source, bytes) in files {
        let body = if source.content_type == JS {
            let mut text = String::from_utf8_lossy(&bytes).into_owned();
            for dep in &built {
                text = version_imports(&text, dep.name, &dep.hash);
            }
            Bytes::from(text)
        } else {
            bytes
        };
        let hash = content_hash(&body);
        built.push(Asset {
            name: source.name,
            content_type: source.content_type,
            body,
            hash,
        });
    }
    built
}

/// The debug mode's files, read from `dir` now: the page template and every asset, built as the
/// embedded ones are (so a module's URL still changes with what it imports). Only the page and
/// the names in [`SOURCES`] are opened, never a path a client chose.
pub(super) fn load_dir(dir: &Path) -> io::Result<(String, Vec<Asset>)> {
    let read = |name: &str| {
        let path = dir.join(name);
        std::fs::read(&path)
            .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", path.display())))
    };
    let template = String::from_utf8_lossy(&read(INDEX_FILE)?).into_owned();
    let mut files = Vec::with_capacity(SOURCES.len());
    for source in SOURCES {
        files.push((source, Bytes::from(read(source.name)?)));
    }
    Ok((template, build(files)))
}

/// Rewrites `'./name'` and `"./name"` module specifiers to `'./name?v=hash'`.
pub(super) fn version_imports(text: &str, name: &str, hash: &str) -> String {
    let mut out = text.to_owned();
    for quote in ['\'', '"'] {
        let from = format!("{quote}./{name}{quote}");
        let to = format!("{quote}./{name}?v={hash}{quote}");
        out = out.replace(&from, &to);
    }
    out
}

/// The relative module specifiers (`./x.js`) a JS source imports.
#[cfg(test)]
pub(super) fn imports_of(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for quote in ['\'', '"'] {
        let needle = format!("{quote}./");
        let mut rest = text;
        while let Some(at) = rest.find(&needle) {
            let after = &rest[at + needle.len()..];
            if let Some(end) = after.find(quote) {
                let spec = &after[..end];
                if spec.ends_with(".js") {
                    found.push(spec.to_owned());
                }
                rest = &after[end..];
            } else {
                break;
            }
        }
    }
    found
}

/// The names of the sources in their declared order (tests check the import order against it).
#[cfg(test)]
pub(super) fn source_names() -> Vec<&'static str> {
    SOURCES.iter().map(|s| s.name).collect()
}

/// The raw source of an asset as written in the tree.
#[cfg(test)]
pub(super) fn raw_source(name: &str) -> Option<&'static [u8]> {
    SOURCES.iter().find(|s| s.name == name).map(|s| s.bytes)
}

/// Escapes text for an HTML attribute value or text node.
pub(super) fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Fills the embedded page template: see [`render_page`].
pub(super) fn render_index(config_json: &str, assets_base: &str) -> String {
    render_page(INDEX_TEMPLATE, all(), config_json, assets_base)
}

/// Fills a page template: `{{config}}` with the escaped JSON config and every `{{asset:NAME}}`
/// with the asset's versioned absolute URL under `assets_base`.
pub(super) fn render_page(
    template: &str,
    assets: &[Asset],
    config_json: &str,
    assets_base: &str,
) -> String {
    let mut html = template.replace("{{config}}", &escape_html(config_json));
    for asset in assets {
        let placeholder = format!("{{{{asset:{}}}}}", asset.name);
        let url = format!("{assets_base}{}?v={}", asset.name, asset.hash);
        html = html.replace(&placeholder, &escape_html(&url));
    }
    html
}
