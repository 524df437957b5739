//! Whether a service has a working healthcheck, compose over its image
//! (B305 waits for it, B306 asks for one).

use super::ServiceRef;
use crate::compose::Scalar;

/// Does the service have a working healthcheck (compose over the image)?
pub(super) fn has_healthcheck(svc: &ServiceRef<'_>) -> bool {
    let s = &svc.service.settings;
    if s.scalar(Scalar::HealthcheckDisable)
        .is_some_and(|d| d.value == "true")
    {
        return false;
    }
    if let Some(test) = s.scalar(Scalar::HealthcheckTest) {
        return !test.value.eq_ignore_ascii_case("NONE") && !test.value.is_empty();
    }
    svc.image
        .and_then(|i| i.healthcheck.as_ref())
        .is_some_and(|(none, _)| !none)
}
