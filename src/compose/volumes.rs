//! The short volume syntax (`SOURCE:TARGET[:MODE]`) and its classification.

use super::model::VolumeKind;

/// A short-syntax volume, split but not yet resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShortVolume {
    pub source: Option<String>,
    pub target: String,
    pub mode: Option<String>,
}

/// True for a Windows drive path such as `C:\src` or `c:/src`.
fn is_drive_path(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/')
}

/// Split `SOURCE:TARGET[:MODE]`, keeping a Windows drive letter with its path.
pub fn split_short(spec: &str) -> Result<ShortVolume, String> {
    let mut parts: Vec<String> = Vec::new();
    let mut rest = spec;
    loop {
        // A drive letter at the start of a part belongs to the path that follows.
        let skip = if is_drive_path(rest) { 2 } else { 0 };
        match rest[skip..].find(':') {
            Some(i) => {
                parts.push(rest[..skip + i].to_string());
                rest = &rest[skip + i + 1..];
            }
            None => {
                parts.push(rest.to_string());
                break;
            }
        }
    }
    match parts.as_slice() {
        [t] if !t.is_empty() => Ok(ShortVolume {
            source: None,
            target: t.clone(),
            mode: None,
        }),
        [s, t] if !s.is_empty() && !t.is_empty() => Ok(ShortVolume {
            source: Some(s.clone()),
            target: t.clone(),
            mode: None,
        }),
        [s, t, m] if !s.is_empty() && !t.is_empty() => Ok(ShortVolume {
            source: Some(s.clone()),
            target: t.clone(),
            mode: Some(m.clone()),
        }),
        _ => Err(format!("invalid volume specification \"{spec}\"")),
    }
}

/// A source is a host path when Compose treats it as one: `.`, `/`, `~`, a drive path or a UNC path.
pub fn is_host_path(source: &str) -> bool {
    source.starts_with(['.', '/', '~'])
        || source.starts_with("\\\\")
        || is_drive_path(source)
        || source == "."
}

/// The kind of a short-syntax volume.
pub fn short_kind(v: &ShortVolume) -> VolumeKind {
    match &v.source {
        None => VolumeKind::Anonymous,
        Some(s) if is_host_path(s) => VolumeKind::Bind,
        Some(s) if s.starts_with("\\\\.\\pipe\\") => VolumeKind::Npipe,
        Some(_) => VolumeKind::Volume,
    }
}

/// True when a mode string (`ro`, `ro,z`, `rw`) makes the mount read-only.
pub fn mode_is_read_only(mode: &str) -> bool {
    mode.split(',').any(|m| m.trim() == "ro")
}

/// The long-syntax `type:` value.
pub fn long_kind(ty: &str) -> Option<VolumeKind> {
    Some(match ty {
        "bind" => VolumeKind::Bind,
        "volume" => VolumeKind::Volume,
        "tmpfs" => VolumeKind::Tmpfs,
        "npipe" => VolumeKind::Npipe,
        "image" => VolumeKind::Image,
        "cluster" => VolumeKind::Cluster,
        _ => return None,
    })
}

/// Split a short-syntax port: `[[HOST_IP:]PUBLISHED:]TARGET[/PROTOCOL]`, with
/// IPv6 host addresses in brackets. The span is filled in by the caller.
pub fn split_port(spec: &str) -> Option<super::model::Port> {
    let (rest, protocol) = match spec.rsplit_once('/') {
        Some((r, p)) => (r, p.to_string()),
        None => (spec, "tcp".to_string()),
    };
    let (host_ip, rest) = if let Some(inner) = rest.strip_prefix('[') {
        let (ip, after) = inner.split_once(']')?;
        (
            Some(ip.to_string()),
            after.strip_prefix(':').unwrap_or(after),
        )
    } else {
        (None, rest)
    };
    let parts: Vec<&str> = rest.split(':').collect();
    let (host_ip, published, target) = match (host_ip, parts.as_slice()) {
        (None, [t]) => (None, None, *t),
        (None, [p, t]) => (None, Some(*p), *t),
        (None, [ip, p, t]) => (Some(ip.to_string()), Some(*p), *t),
        (Some(ip), [p, t]) => (Some(ip), Some(*p), *t),
        // An unbracketed IPv6 address: everything before the last two parts.
        (None, [.., p, t]) if parts.len() > 3 => {
            let ip = parts[..parts.len() - 2].join(":");
            (Some(ip), Some(*p), *t)
        }
        _ => return None,
    };
    if target.is_empty() {
        return None;
    }
    Some(super::model::Port {
        span: crate::source::Span::new(crate::source::FileId(0), 0, 0),
        host_ip: host_ip.filter(|h| !h.is_empty()),
        published: published.filter(|p| !p.is_empty()).map(String::from),
        target: target.to_string(),
        protocol,
        unknown: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sv(s: Option<&str>, t: &str, m: Option<&str>) -> ShortVolume {
        ShortVolume {
            source: s.map(String::from),
            target: t.into(),
            mode: m.map(String::from),
        }
    }

    #[test]
    fn splits_short_syntax() {
        assert_eq!(
            split_short("./backend:/app").unwrap(),
            sv(Some("./backend"), "/app", None)
        );
        assert_eq!(
            split_short("./src:/app/src:ro,z").unwrap(),
            sv(Some("./src"), "/app/src", Some("ro,z"))
        );
        assert_eq!(
            split_short("/app/node_modules").unwrap(),
            sv(None, "/app/node_modules", None)
        );
        assert_eq!(
            split_short("C:\\work\\app:/app:rw").unwrap(),
            sv(Some("C:\\work\\app"), "/app", Some("rw"))
        );
        assert_eq!(
            split_short("data:/var/lib/data").unwrap(),
            sv(Some("data"), "/var/lib/data", None)
        );
        assert!(split_short(":/app").is_err());
        assert!(split_short("a:b:c:d").is_err());
    }

    #[test]
    fn ports() {
        let p = |s: &str| {
            let p = split_port(s).unwrap();
            (p.host_ip, p.published, p.target, p.protocol)
        };
        assert_eq!(p("80"), (None, None, "80".into(), "tcp".into()));
        assert_eq!(
            p("8080:80"),
            (None, Some("8080".into()), "80".into(), "tcp".into())
        );
        assert_eq!(
            p("127.0.0.1:5432:5432"),
            (
                Some("127.0.0.1".into()),
                Some("5432".into()),
                "5432".into(),
                "tcp".into()
            )
        );
        assert_eq!(
            p("[::1]:53:53/udp"),
            (
                Some("::1".into()),
                Some("53".into()),
                "53".into(),
                "udp".into()
            )
        );
        assert_eq!(
            p("3000-3005:3000-3005"),
            (
                None,
                Some("3000-3005".into()),
                "3000-3005".into(),
                "tcp".into()
            )
        );
        assert_eq!(
            p("::1:5433:5432"),
            (
                Some("::1".into()),
                Some("5433".into()),
                "5432".into(),
                "tcp".into()
            )
        );
        assert!(split_port("a:b:").is_none());
    }

    #[test]
    fn classifies() {
        assert_eq!(
            short_kind(&split_short("./b:/app").unwrap()),
            VolumeKind::Bind
        );
        assert_eq!(
            short_kind(&split_short("~/x:/x").unwrap()),
            VolumeKind::Bind
        );
        assert_eq!(
            short_kind(&split_short("c:/x:/x").unwrap()),
            VolumeKind::Bind
        );
        assert_eq!(
            short_kind(&split_short("data:/x").unwrap()),
            VolumeKind::Volume
        );
        assert_eq!(
            short_kind(&split_short("/x").unwrap()),
            VolumeKind::Anonymous
        );
        assert!(mode_is_read_only("ro,z"));
        assert!(!mode_is_read_only("rw"));
    }
}
