//! `#[serde(with = "crate::nullable")]` for an `Option<Option<T>>` field with `default` and
//! `skip_serializing_if = "Option::is_none"`: a key that is absent (`None`, left out), `null`
//! (`Some(None)`) or a value (`Some(Some(v))`), each written back as it was read.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub(crate) fn serialize<S: Serializer, T: Serialize>(
    value: &Option<Option<T>>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(inner) => inner.serialize(serializer),
        None => serializer.serialize_none(),
    }
}

pub(crate) fn deserialize<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}
