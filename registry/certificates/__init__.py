"""Certificates: QR tokens, signing keys, the certificate PDF and its signature."""
