"""Billing (請求・入金): charges, payments and invoices."""
