"""Help-desk exports written by code, from each vendor's documented layout, with the vendor's quirks.

One module per vendor / format; each has a ``write(path, n, seed)`` that writes the export and returns
the rows it wrote (as the vendor writes them: text), so a test computes the expected figures from those
rows on its own (pandas / plain Python), never through the importer. No real customer data.
"""
