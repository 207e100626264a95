//! A macro for structs of optional kernel counters.
//!
//! Many kernel files are lists of `Name: value` lines whose set of names depends on the
//! kernel version. memlens keeps one `Option<u64>` per name it knows: a field the kernel
//! did not print is `None` (absent), never zero.

/// Declares a struct of `Option<u64>` counters, each tied to its kernel field name.
///
/// The struct serialises as a map from kernel field name to value, skipping absent fields,
/// so JSON output uses the kernel's own names (`MemTotal`, `Pss_Anon`, ...).
#[macro_export]
macro_rules! kernel_counters {
    ($(#[$meta:meta])* pub struct $name:ident { $($(#[$fmeta:meta])* $field:ident = $kname:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, PartialEq, Eq)]
        pub struct $name {
            $($(#[$fmeta])* pub $field: Option<u64>,)*
        }

        impl $name {
            /// The kernel's names of the fields, in the order the kernel prints them.
            pub const KERNEL_NAMES: &'static [&'static str] = &[$($kname),*];

            /// The slot for a kernel field name, or `None` for a name this struct does not know.
            #[inline]
            pub fn slot(&mut self, kernel_name: &str) -> Option<&mut Option<u64>> {
                self.slot_of_bytes(kernel_name.as_bytes())
            }

            /// [`Self::slot`] for a name as the kernel's file gives it, bytes not yet
            /// known to be text (a parser's hot path: no UTF-8 check first).
            #[inline]
            pub fn slot_of_bytes(&mut self, kernel_name: &[u8]) -> Option<&mut Option<u64>> {
                $(if kernel_name == $kname.as_bytes() {
                    return Some(&mut self.$field);
                })*
                None
            }

            /// The value of a kernel field, `None` when absent or unknown.
            pub fn get(&self, kernel_name: &str) -> Option<u64> {
                match kernel_name {
                    $($kname => self.$field,)*
                    _ => None,
                }
            }

            /// Every known field with its value, in kernel order.
            pub fn fields(&self) -> impl Iterator<Item = (&'static str, Option<u64>)> + '_ {
                [$(($kname, self.$field)),*].into_iter()
            }

            /// Adds every present field of `other` into `self` (absent + present = present).
            pub fn add(&mut self, other: &Self) {
                $(
                    if let Some(v) = other.$field {
                        self.$field = Some(self.$field.unwrap_or(0).saturating_add(v));
                    }
                )*
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut m = s.serialize_map(None)?;
                $(if let Some(v) = self.$field { m.serialize_entry($kname, &v)?; })*
                m.end()
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let map = <std::collections::BTreeMap<String, u64>>::deserialize(d)?;
                let mut out = Self::default();
                for (k, v) in map {
                    if let Some(slot) = out.slot(&k) {
                        *slot = Some(v);
                    }
                }
                Ok(out)
            }
        }
    };
}
