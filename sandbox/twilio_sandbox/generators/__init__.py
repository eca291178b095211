"""Generators of the sandbox's records: one module per product (as the tap's streams are).

``core.Generator`` builds the records of the 2010 API and Monitor (its methods come from
the product modules) and ``build_core`` generates them; ``products.build_products`` and
``curated.build_curated`` generate the other products' records.
"""
