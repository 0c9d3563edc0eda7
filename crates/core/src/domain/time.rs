//! Timestamps: UTC, written as RFC 3339 with milliseconds, like the original.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(DateTime<Utc>);

impl Timestamp {
    pub fn now() -> Self {
        // Millisecond precision, so that what is stored is what is read back.
        Timestamp::from_millis(Utc::now().timestamp_millis()).expect("the clock is in range")
    }

    pub fn from_millis(ms: i64) -> Option<Self> {
        DateTime::from_timestamp_millis(ms).map(Timestamp)
    }

    pub fn parse(raw: &str) -> Result<Self, String> {
        DateTime::parse_from_rfc3339(raw.trim())
            .map(|t| Timestamp(t.with_timezone(&Utc)))
            .map_err(|e| format!("'{raw}' is not an RFC 3339 timestamp ({e})"))
    }

    pub fn millis(self) -> i64 {
        self.0.timestamp_millis()
    }

    pub fn to_rfc3339(self) -> String {
        self.0.to_rfc3339_opts(SecondsFormat::Millis, true)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Timestamp::parse(&raw).map_err(serde::de::Error::custom)
    }
}
