//! [`PermissionSet`]: a permission bitfield that people can write by name.

use std::fmt;

use serde::de::{self, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serenity::model::Permissions;

/// Discord permission bits. On input it accepts a decimal string (`"8"`), a number, or a list of
/// serenity's flag names (`["MANAGE_GUILD", "SEND_MESSAGES"]`); it always serializes as a
/// decimal string, like Discord.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PermissionSet(pub u64);

impl PermissionSet {
    /// No permissions.
    pub const NONE: Self = Self(0);

    /// Every permission bit serenity knows.
    #[must_use]
    pub fn all() -> Self {
        Self(Permissions::all().bits())
    }

    /// The set named by serenity flag names, e.g. `["MANAGE_GUILD"]`.
    ///
    /// # Errors
    ///
    /// Returns the first name serenity does not know.
    pub fn from_names<I, S>(names: I) -> Result<Self, String>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        names.into_iter().try_fold(Self::NONE, |acc, name| {
            let name = name.as_ref();
            Permissions::from_name(&name.to_ascii_uppercase())
                .map(|p| Self(acc.0 | p.bits()))
                .ok_or_else(|| format!("unknown permission name `{name}`"))
        })
    }

    /// Whether no bit is set.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The bits as serenity's type.
    #[must_use]
    pub fn to_serenity(self) -> Permissions {
        Permissions::from_bits_retain(self.0)
    }
}

impl From<Permissions> for PermissionSet {
    fn from(value: Permissions) -> Self {
        Self(value.bits())
    }
}

impl fmt::Display for PermissionSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for PermissionSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PermissionSet {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SetVisitor;

        impl<'de> Visitor<'de> for SetVisitor {
            type Value = PermissionSet;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("permission bits as a string or number, or a list of permission names")
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<PermissionSet, E> {
                Ok(PermissionSet(v))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<PermissionSet, E> {
                u64::try_from(v).map(PermissionSet).map_err(E::custom)
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<PermissionSet, E> {
                if let Ok(bits) = v.parse() {
                    return Ok(PermissionSet(bits));
                }
                PermissionSet::from_names([v]).map_err(E::custom)
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PermissionSet, A::Error> {
                let mut names = Vec::new();
                while let Some(name) = seq.next_element::<String>()? {
                    names.push(name);
                }
                PermissionSet::from_names(names).map_err(de::Error::custom)
            }
        }

        deserializer.deserialize_any(SetVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_numbers_and_strings_mean_the_same_bits() {
        let by_name: PermissionSet =
            serde_json::from_str(r#"["ADMINISTRATOR"]"#).expect("names parse");
        let by_string: PermissionSet = serde_json::from_str(r#""8""#).expect("string parses");
        let by_number: PermissionSet = serde_json::from_str("8").expect("number parses");
        assert_eq!(by_name, PermissionSet(8));
        assert_eq!(by_string, by_name);
        assert_eq!(by_number, by_name);
        assert!(serde_json::from_str::<PermissionSet>(r#"["NOT_A_PERMISSION"]"#).is_err());
    }
}
