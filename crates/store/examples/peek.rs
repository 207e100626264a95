use memlens_sources::collect::{collect, Plan};
use memlens_sources::Root;
fn main() {
    for name in ["vm-6.18-hybrid", "v2-unified", "old-3.10-trimmed"] {
        let root = Root::open(format!(
            "{}/../../tests/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let s = collect(&root, &Plan::everything());
        let v = serde_json::to_value(&s).unwrap();
        let procs = s.processes.ok().map(|p| p.processes.len());
        let text = serde_json::to_string(&s).unwrap();
        println!(
            "{name}: procs {procs:?} json {} taken {:?}",
            text.len(),
            s.meta.taken_at_ns
        );
        if name == "vm-6.18-hybrid" {
            let p = &s.processes.ok().unwrap().processes;
            println!("{}", serde_json::to_string_pretty(&p[p.len() - 1]).unwrap());
            for (k, x) in v.as_object().unwrap() {
                println!("{k}: {}", serde_json::to_string(x).unwrap().len());
            }
        }
    }
}
