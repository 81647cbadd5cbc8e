"""The serving side: what BI tools read instead of the live warehouse."""
