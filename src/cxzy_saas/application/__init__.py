"""Tenant applications, commands and tenancy: load, decide, save."""
