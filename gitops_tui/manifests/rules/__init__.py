"""Lint and validation rules, one module per family.

Per-object rules are functions ``(manifest, context) -> findings`` so results can be cached
per object while a working tree is watched; rules about the whole desired state (duplicates,
references between objects) take every manifest at once and are cheap.
"""
