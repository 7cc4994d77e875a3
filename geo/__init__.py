"""Pure geospatial helpers for sharemap: CRS transforms, Korea bounds, distances, opening hours.

Nothing here reads files, talks to a database or imports another sharemap package.
"""
