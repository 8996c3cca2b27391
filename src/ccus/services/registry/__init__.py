"""The registry after registration: changes, renewal, withdrawal, sites, attendance, disclosure, notices."""
