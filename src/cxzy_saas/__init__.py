"""cxzy-saas."""
