"""Authentication and authorization: passwords, tokens, the principal and its permissions."""
