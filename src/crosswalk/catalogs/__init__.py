"""Shipped framework catalogs and mapping sets (data files), and the loader that checks them."""
