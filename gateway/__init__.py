"""Baobab's gateway: API keys and tenants, authentication, usage, forwarding, public docs."""
