"""Where tenant logs live: the stores, their recorders and the per-member keys of personal data.

Below the applications and the read port's implementation, which both use it; the web layer
never imports it (the layering test says so).
"""
