"""A reference custom agent loop on Chat Completions; no Django import anywhere: copy it into your product.

The core, readable in one sitting: `loop.py` (the loop and its persistence points), `history.py` (the
window each call sends), `tools.py` (dispatch), `storage.py` (where conversations are kept). Beside it:
`response.py` (a completion or its stream read into a reply), `usage.py` (usage and the one price
formula), `limits.py` (a turn's limits and the errors that stop it), `logs.py`, and `tokens/` (prompt
tokens as OpenAI bills them). `offline/` is a test double (an OpenAI-compatible server that replays
scripts, `python -m agentloop.offline`): not needed in production.
"""
