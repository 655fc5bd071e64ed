"""Signing: frozen versions, signatures, the signed PDF, verification and share links."""
