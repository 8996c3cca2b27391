"""Reading (読取・検証): extraction, validation, consent and duplicate stages; paper read zone by zone."""
