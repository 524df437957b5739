use super::{Context, Rule, RuleMeta, declare_rule};
use crate::diagnostic::{Diagnostic, Label};

declare_rule! {
    /// ## What it does
    /// Reports a database, cache, message-broker or admin port published on
    /// all host interfaces (no `host_ip`, or `0.0.0.0`/`::`): PostgreSQL 5432,
    /// MySQL 3306, SQL Server 1433, MongoDB 27017, Redis 6379, Memcached
    /// 11211, Elasticsearch 9200/9300, RabbitMQ 5672/15672, CouchDB 5984,
    /// Cassandra 9042, the Docker API 2375/2376, etcd 2379, Consul 8500.
    /// The container port decides, whatever host port it is published on (a
    /// port with no host part is published on a random one).
    ///
    /// ## Why is this bad?
    /// Published ports bypass the host firewall's usual rules (Docker writes
    /// its own iptables rules), so the database is reachable from every
    /// network the host is on, usually with the default or a literal password.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   db:
    ///     image: postgres:16.4
    ///     ports:
    ///       - "5432:5432"
    /// ```
    ///
    /// ## How to fix
    /// Do not publish it: services on the same Compose network reach it by
    /// name. For access from the host, bind it to loopback:
    /// `"127.0.0.1:5432:5432"`.
    pub struct ExposedSensitivePort {
        code: "B209",
        name: "exposed-sensitive-port",
        level: Warning,
        summary: "A database or admin port is published on all host interfaces.",
        tags: ["security", "network"],
        security_severity: "6.5",
    }
}

const SENSITIVE: &[(u32, &str)] = &[
    (5432, "PostgreSQL"),
    (3306, "MySQL"),
    (1433, "SQL Server"),
    (27017, "MongoDB"),
    (6379, "Redis"),
    (11211, "Memcached"),
    (9200, "Elasticsearch"),
    (9300, "Elasticsearch transport"),
    (5672, "RabbitMQ"),
    (15672, "RabbitMQ management"),
    (5984, "CouchDB"),
    (9042, "Cassandra"),
    (2375, "the Docker API"),
    (2376, "the Docker API"),
    (2379, "etcd"),
    (8500, "Consul"),
];

impl Rule for ExposedSensitivePort {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, cx: &Context<'_>, out: &mut Vec<Diagnostic>) {
        for svc in cx.services() {
            for p in &svc.service.settings.ports {
                let all = p
                    .host_ip
                    .as_deref()
                    .is_none_or(|ip| ip == "0.0.0.0" || ip == "::");
                let Ok(target) = p.target.parse::<u32>() else {
                    continue;
                };
                let Some((_, what)) = SENSITIVE.iter().find(|(port, _)| *port == target) else {
                    continue;
                };
                // Without a host port Docker still publishes it, on a random port.
                if !all {
                    continue;
                }
                out.push(
                    Diagnostic::new(
                        &Self::META,
                        Label::new(p.span, "all interfaces"),
                        format!(
                            "service `{}`{} publishes {what} (container port {target}) on all host interfaces",
                            svc.service.name.value,
                            svc.profile_note()
                        ),
                    )
                    .with_help("do not publish it (services reach it by name), or bind it to loopback: \"127.0.0.1:HOST:CONTAINER\"")
                    .with_key(format!("{}|{target}", svc.service.name.value))
                    .in_stack(svc.stack),
                );
            }
        }
    }
}
