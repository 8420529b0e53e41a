"""Evidence files: accepted types, content-addressed storage, an owner's library and its links to tasks."""
