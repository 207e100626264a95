//! Names for cgroups that belong to containers and services, as operators know them, from
//! the cgroup's path alone: docker, podman, containerd and CRI-O container IDs (short, 12
//! hex digits), Kubernetes pods (UID and QoS class from the `kubepods` hierarchy), LXC
//! containers, and otherwise the systemd unit (`nginx.service`, `user@1000.service`).
//! Both cgroup drivers are understood: cgroupfs (`/docker/ID`, `/kubepods/burstable/podUID/ID`)
//! and systemd (`/system.slice/docker-ID.scope`, `kubepods-burstable-podUID.slice`).

use serde::Serialize;

/// What a cgroup is, by its path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Owner {
    /// `docker`, `podman`, `containerd`, `cri-o`, `lxc`, `kubernetes` or `systemd`.
    pub kind: &'static str,
    /// The short container ID, the LXC name or the unit; for a pod without a container
    /// level, the pod UID.
    pub name: String,
    /// A Kubernetes pod's UID, when the path is in one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
    /// A Kubernetes pod's QoS class: `guaranteed`, `burstable` or `besteffort`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qos: Option<&'static str>,
}

impl Owner {
    /// One label: `docker 3f2a9c1b7d4e`, `k8s pod 1b2c… (burstable) containerd 3f2a…`,
    /// `nginx.service`.
    pub fn label(&self) -> String {
        match (self.kind, &self.pod) {
            ("systemd", _) => self.name.clone(),
            ("kubernetes", Some(pod)) => format!("k8s pod {pod}{}", qos(self.qos)),
            (kind, Some(pod)) => format!("k8s pod {pod}{} {kind} {}", qos(self.qos), self.name),
            (kind, None) => format!("{kind} {}", self.name),
        }
    }
}

fn qos(q: Option<&str>) -> String {
    q.map(|q| format!(" ({q})")).unwrap_or_default()
}

fn is_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn short(id: &str) -> String {
    id[..12].to_string()
}

/// A container runtime's scope or directory name: `docker-ID.scope`, `ID` under
/// `/docker`, `libpod-ID.scope`, `cri-containerd-ID.scope`, `crio-ID.scope`.
fn container(component: &str, parent: Option<&str>) -> Option<(&'static str, String)> {
    let stem = component.strip_suffix(".scope").unwrap_or(component);
    for (prefix, kind) in [
        ("docker-", "docker"),
        ("libpod-conmon-", "podman"),
        ("libpod-", "podman"),
        ("cri-containerd-", "containerd"),
        ("crio-conmon-", "cri-o"),
        ("crio-", "cri-o"),
    ] {
        if let Some(id) = stem.strip_prefix(prefix) {
            if is_id(id) {
                return Some((kind, short(id)));
            }
        }
    }
    if is_id(stem) {
        let kind = match parent {
            Some("docker") => "docker",
            Some(p) if p.starts_with("libpod") => "podman",
            _ => "container",
        };
        return Some((kind, short(stem)));
    }
    None
}

/// A pod's UID from `podUID` or `kubepods-QOS-podUID.slice` (whose dashes are `_`).
fn pod(component: &str) -> Option<String> {
    let stem = component.strip_suffix(".slice").unwrap_or(component);
    let uid = stem.rsplit_once("pod").map(|(_, u)| u)?;
    let uid = uid.replace('_', "-");
    (uid.len() == 36 && uid.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-')).then_some(uid)
}

/// Who a cgroup path belongs to; `None` for the root and plain slices.
pub fn owner(path: &str) -> Option<Owner> {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    // Kubernetes: everything under a kubepods component.
    if let Some(k) = parts.iter().position(|p| p.starts_with("kubepods")) {
        let mut qos = None;
        let mut pod_uid = None;
        let mut found = None;
        for (i, p) in parts[k..].iter().enumerate() {
            for (word, class) in [("burstable", "burstable"), ("besteffort", "besteffort")] {
                if p.contains(word) {
                    qos = Some(class);
                }
            }
            if let Some(u) = pod(p) {
                pod_uid = Some(u);
            }
            if let Some(c) = container(p, parts.get(k + i).copied()) {
                found = Some(c);
            }
        }
        let pod_uid = pod_uid?;
        let qos = qos.or(Some("guaranteed"));
        return Some(match found {
            Some((kind, name)) => Owner {
                kind,
                name,
                pod: Some(pod_uid),
                qos,
            },
            None => Owner {
                kind: "kubernetes",
                name: pod_uid.clone(),
                pod: Some(pod_uid),
                qos,
            },
        });
    }
    // A container of a runtime, at the deepest level that names one.
    for i in (0..parts.len()).rev() {
        let parent = i.checked_sub(1).map(|j| parts[j]);
        if let Some((kind, name)) = container(parts[i], parent) {
            return Some(Owner {
                kind,
                name,
                pod: None,
                qos: None,
            });
        }
        if let Some(name) = parts[i]
            .strip_prefix("lxc.payload.")
            .or_else(|| (parent == Some("lxc")).then_some(parts[i]))
        {
            return Some(Owner {
                kind: "lxc",
                name: name.to_string(),
                pod: None,
                qos: None,
            });
        }
    }
    // A systemd unit: the deepest service or scope.
    parts
        .iter()
        .rev()
        .find(|p| p.ends_with(".service") || p.ends_with(".scope"))
        .map(|u| Owner {
            kind: "systemd",
            name: u.to_string(),
            pod: None,
            qos: None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "3f2a9c1b7d4e5f60718293a4b5c6d7e8f90112233445566778899aabbccddeef";
    const UID: &str = "1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901";

    fn label(p: &str) -> Option<String> {
        owner(p).map(|o| o.label())
    }

    #[test]
    fn runtimes_under_both_drivers() {
        assert_eq!(
            label(&format!("/docker/{ID}")).unwrap(),
            "docker 3f2a9c1b7d4e"
        );
        assert_eq!(
            label(&format!("/system.slice/docker-{ID}.scope")).unwrap(),
            "docker 3f2a9c1b7d4e"
        );
        assert_eq!(
            label(&format!("/machine.slice/libpod-{ID}.scope/container")).unwrap(),
            "podman 3f2a9c1b7d4e"
        );
        assert_eq!(
            label(&format!("/system.slice/crio-{ID}.scope")).unwrap(),
            "cri-o 3f2a9c1b7d4e"
        );
        assert_eq!(label("/lxc.payload.web1").unwrap(), "lxc web1");
        assert_eq!(label("/lxc/web1").unwrap(), "lxc web1");
    }

    #[test]
    fn kubernetes_pods_and_qos() {
        let u = UID.replace('-', "_");
        let systemd = format!(
            "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{u}.slice/cri-containerd-{ID}.scope"
        );
        let o = owner(&systemd).unwrap();
        assert_eq!(
            (o.kind, o.qos, o.pod.as_deref()),
            ("containerd", Some("burstable"), Some(UID))
        );
        assert_eq!(
            o.label(),
            format!("k8s pod {UID} (burstable) containerd 3f2a9c1b7d4e")
        );
        // cgroupfs driver, a guaranteed pod (no QoS level), the pod itself.
        let o = owner(&format!("/kubepods/pod{UID}")).unwrap();
        assert_eq!(o.label(), format!("k8s pod {UID} (guaranteed)"));
        let o = owner(&format!("/kubepods/besteffort/pod{UID}/{ID}")).unwrap();
        assert_eq!((o.kind, o.qos), ("container", Some("besteffort")));
        // The QoS slices themselves are no pod.
        assert_eq!(owner("/kubepods.slice/kubepods-burstable.slice"), None);
    }

    #[test]
    fn systemd_units_and_plain_paths() {
        assert_eq!(
            label("/system.slice/nginx.service").unwrap(),
            "nginx.service"
        );
        assert_eq!(
            label("/user.slice/user-1000.slice/user@1000.service/app.slice/app-firefox.scope")
                .unwrap(),
            "app-firefox.scope"
        );
        assert_eq!(label("/"), None);
        assert_eq!(label("/system.slice"), None);
        assert_eq!(label("/memlens-test"), None);
    }
}
