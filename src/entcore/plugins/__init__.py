"""Built-in plugins, registered through the same hooks as external ones.

They are the proof that the hooks are enough: each uses only entcore's public API.
"""
