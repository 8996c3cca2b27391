"""Issuance (発行): IDs, credentials, postcards, card orders and print batches."""
