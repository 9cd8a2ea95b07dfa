"""The SymPy side: a case traced into expressions, derived, compiled; repeated terms, kinks."""
