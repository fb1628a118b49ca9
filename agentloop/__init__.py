"""A reference custom agent loop on Chat Completions: history, tools, the loop, retries, persistence.

No Django import anywhere in this package: copy it into your own product.
"""
