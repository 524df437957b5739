//! The Docker daemon's socket as a host path (B202 reports a mount of it,
//! B206 leaves it to B202).

use crate::paths::normalize_posix;

/// Is this host path the Docker socket?
pub(super) fn is_docker_socket(host: &str) -> bool {
    let h = normalize_posix(host);
    h == "/var/run/docker.sock"
        || h == "/run/docker.sock"
        || host.to_ascii_lowercase().contains("pipe\\docker_engine")
}
