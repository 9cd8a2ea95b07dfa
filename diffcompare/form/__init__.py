"""The case form: ``@case`` and the registry, the xp namespaces, operators, problems, formulas."""
