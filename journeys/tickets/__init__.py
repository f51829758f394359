"""Ticket data: readers, column mapping, normalisation, datasets, mapping rules.

Ticket tables live as Parquet (or engine tables), never in the workspace
database; the database only holds their metadata, profiles and rules.
"""
